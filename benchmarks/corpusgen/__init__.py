"""The synthetic compose corpus behind `gen_corpus.py`, one job per module:

- `yamltext`: scalar quoting and the document builder;
- `archetypes`: the kinds of services and the word lists;
- `entries`: one `ports:` entry in each form people write;
- `compose_file`: one compose file (`gen_compose`);
- `projects`: a project's files and decoys;
- `corpus`: writing a corpus or one large file, and verifying it.
"""
