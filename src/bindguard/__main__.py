"""``python -m bindguard`` runs the same program as the ``bindguard`` script."""

from bindguard.entry import main

if __name__ == "__main__":
    main()
