#!/usr/bin/python3
"""Peer: Xapian used the plain way, through Debian's python3-xapian (1.4.22).

Index: TermGenerator with FLAG_CJK_NGRAM, positions on, English stemmer; the title is indexed
twice (prefix S and unprefixed, as in Xapian's getting-started guide), then the body.
Query: QueryParser with FLAG_CJK_NGRAM on the raw query text (default flags, default OR, stemmer
en, STEM_SOME), BM25 (Xapian's default weighting). A QueryParserError counts as a failed query.
"""

import os
import shutil

import xapian

from peer_common import parse_args, run_peer


def main():
    args = parse_args(__doc__.split("\n")[0])
    shutil.rmtree(args.index_dir, ignore_errors=True)
    os.makedirs(args.index_dir)
    path = os.path.join(args.index_dir, "xapian")
    stem = xapian.Stem("en")
    state = {}

    def index(docs):
        db = xapian.WritableDatabase(path, xapian.DB_CREATE_OR_OVERWRITE)
        tg = xapian.TermGenerator()
        tg.set_stemmer(stem)
        tg.set_flags(xapian.TermGenerator.FLAG_CJK_NGRAM)
        n = 0
        for d in docs:
            doc = xapian.Document()
            tg.set_document(doc)
            tg.index_text(d.get("title", ""), 1, "S")
            tg.index_text(d.get("title", ""))
            tg.increase_termpos()
            tg.index_text(d.get("text", ""))
            doc.set_data(d["_id"])
            doc.add_boolean_term("Q" + d["_id"])
            db.add_document(doc)
            n += 1
        db.commit()
        db.close()
        state["db"] = xapian.Database(path)
        return n

    def search(text, k):
        db = state["db"]
        qp = xapian.QueryParser()
        qp.set_database(db)
        qp.set_stemmer(stem)
        qp.set_stemming_strategy(xapian.QueryParser.STEM_SOME)
        query = qp.parse_query(text, xapian.QueryParser.FLAG_DEFAULT
                               | xapian.QueryParser.FLAG_CJK_NGRAM)
        enquire = xapian.Enquire(db)
        enquire.set_query(query)
        return [m.document.get_data().decode("utf-8") for m in enquire.get_mset(0, k)]

    config = (f"python3-xapian {xapian.version_string()}; TermGenerator+QueryParser FLAG_CJK_NGRAM, "
              "positions on, stemmer en, BM25 default, title indexed twice (S prefix + plain)")
    run_peer(args, "xapian-plain", config, index, search)


if __name__ == "__main__":
    main()
