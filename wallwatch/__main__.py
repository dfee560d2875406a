"""`python -m wallwatch` is the `wallwatch` command."""

from .cli import main

main()
