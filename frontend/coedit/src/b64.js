/* Standard base64 <-> Uint8Array: binary Yjs data travels as base64 strings in JSON. */

export function toBase64 (bytes) {
  let binary = ''
  const chunk = 0x8000
  for (let i = 0; i < bytes.length; i += chunk) {
    binary += String.fromCharCode.apply(null, bytes.subarray(i, i + chunk))
  }
  return window.btoa(binary)
}

export function fromBase64 (text) {
  const binary = window.atob(text || '')
  const bytes = new Uint8Array(binary.length)
  for (let i = 0; i < binary.length; i++) { bytes[i] = binary.charCodeAt(i) }
  return bytes
}
