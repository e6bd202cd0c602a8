"""Entry point of the posts module (placeholder until the module lands)."""

from parvis import ModuleSpec, hookimpl


@hookimpl
def parvis_module() -> ModuleSpec:
    return ModuleSpec(id="posts", name="Posts")
