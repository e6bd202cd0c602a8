"""Map the design card's top-level folders to import packages.

``core/`` is imported as ``parvis``, ``modules/`` as ``parvis_modules``, ``layouts/``
as ``parvis_layouts`` and ``themes/`` as ``parvis_themes`` (see docs/architecture.md:
generic top-level names such as ``core`` would clash with other distributions).
Everything else lives in pyproject.toml.
"""

from setuptools import find_namespace_packages, setup

FOLDERS = {
    "parvis": "core",
    "parvis_modules": "modules",
    "parvis_layouts": "layouts",
    "parvis_themes": "themes",
}

packages: list[str] = []
for name, folder in FOLDERS.items():
    packages.append(name)
    packages += [
        f"{name}.{sub}"
        for sub in find_namespace_packages(folder, exclude=["*__pycache__*"])
    ]

setup(packages=packages, package_dir=FOLDERS)
