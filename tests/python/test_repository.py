"""The repository stands alone: a licence, named in the README."""
from conftest import ROOT


def test_there_is_a_permissive_licence_and_the_readme_names_it():
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("MIT License") and "Permission is hereby granted, free of charge" in text
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "MIT licence" in readme and "`LICENSE`" in readme
