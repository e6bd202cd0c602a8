#!/usr/bin/env bash
# Build the live co-editing bundle (Yjs + CodeMirror 6) into core/static/coedit/coedit.min.js.
# Needs Node.js >= 18 and npm; pip users get the committed bundle and need neither.
# Usage: bash scripts/build-coedit.sh
set -euo pipefail
cd "$(dirname "$0")/../frontend/coedit"
npm ci --no-audit --no-fund
npx esbuild src/coedit.js --bundle --minify --format=iife --target=es2019 \
  --legal-comments=none --banner:js="/*! Parvis co-editing bundle. Includes yjs, y-protocols, lib0, y-codemirror.next, CodeMirror 6 and Lezer (MIT licences): see core/static/coedit/README.md */" --outfile=../../core/static/coedit/coedit.min.js
out=../../core/static/coedit/coedit.min.js
echo "coedit.min.js: $(wc -c < "$out") bytes raw, $(gzip -9c "$out" | wc -c) bytes gzip"
