"""Reads a DOCX file with python-docx and prints its paragraphs as JSON:
style name, text, whether Word numbers it, its runs' formatting and its
hyperlinks. Used by export_formats.rs as an independent reader."""

import json
import sys

import docx
from docx.oxml.ns import qn


def main(path):
    document = docx.Document(path)
    out = []
    for paragraph in document.paragraphs:
        p_pr = paragraph._p.pPr
        numbered = p_pr is not None and p_pr.find(qn("w:numPr")) is not None
        runs = []
        for run in paragraph.iter_inner_content():
            if isinstance(run, docx.text.hyperlink.Hyperlink):
                inner = run.runs
            else:
                inner = [run]
            for r in inner:
                runs.append({
                    "text": r.text,
                    "bold": bool(r.bold),
                    "italic": bool(r.italic),
                    "underline": bool(r.underline),
                    "strike": bool(r.font.strike),
                    "font": r.font.name,
                })
        links = [h.address for h in paragraph.hyperlinks]
        out.append({
            "style": paragraph.style.name if paragraph.style is not None else None,
            "text": paragraph.text,
            "numbered": numbered,
            "runs": runs,
            "links": links,
        })
    json.dump(out, sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    main(sys.argv[1])
