#!/usr/bin/python3
"""Peer: SQLite FTS5 with the trigram tokenizer, through python3's sqlite3 module.

Index: one fts5(id UNINDEXED, title, text, tokenize='trigram') table, all rows in one transaction.
Query: the query text split on spaces and punctuation into runs; every run of 3 or more characters
becomes its overlapping trigrams, each a quoted FTS5 string, all OR-ed; ranked by bm25 with the
title weighted 2 (FTS5 trigram cannot match runs shorter than 3 characters, e.g. "5G", "AI").
"""

import os
import re
import shutil
import sqlite3

from peer_common import parse_args, run_peer

_SPLIT = re.compile(r"[\s\W_]+", re.UNICODE)


def fts_query(text):
    grams = []
    for run in _SPLIT.split(text.lower()):
        for i in range(len(run) - 2):
            g = run[i:i + 3]
            if g not in grams:
                grams.append(g)
    return " OR ".join('"' + g.replace('"', '""') + '"' for g in grams)


def main():
    args = parse_args(__doc__.split("\n")[0])
    shutil.rmtree(args.index_dir, ignore_errors=True)
    os.makedirs(args.index_dir)
    con = sqlite3.connect(os.path.join(args.index_dir, "fts5.db"))
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("CREATE VIRTUAL TABLE docs USING fts5(id UNINDEXED, title, text, tokenize='trigram')")

    def index(docs):
        n = 0
        with con:
            for d in docs:
                con.execute("INSERT INTO docs(id, title, text) VALUES (?, ?, ?)",
                            (d["_id"], d.get("title", ""), d.get("text", "")))
                n += 1
        return n

    def search(text, k):
        q = fts_query(text)
        if not q:
            return []
        rows = con.execute("SELECT id FROM docs WHERE docs MATCH ? "
                           "ORDER BY bm25(docs, 0.0, 2.0, 1.0) LIMIT ?", (q, k))
        return [r[0] for r in rows]

    config = (f"SQLite {sqlite3.sqlite_version} FTS5 tokenize='trigram'; query = OR of quoted "
              "trigrams; bm25 title 2, text 1; one transaction, WAL")
    run_peer(args, "sqlite-fts5-trigram", config, index, search)


if __name__ == "__main__":
    main()
