"""`python -m prisma_dsql` runs the command-line interface."""

from prisma_dsql.cli.main import main

if __name__ == "__main__":
    main()
