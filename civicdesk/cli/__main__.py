"""`python -m civicdesk.cli …` runs the `civicdesk` command."""
from civicdesk.cli import main

main()
