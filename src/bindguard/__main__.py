"""``python -m bindguard`` runs the same CLI as the ``bindguard`` script."""

from bindguard.cli import main

if __name__ == "__main__":
    main()
