#!/usr/bin/env python3
"""Checks UBL documents against the EN 16931 business rules (the schematron compiled to XSLT).

Usage: en16931.py VALIDATION.xslt FILE.xml [FILE.xml ...]

Prints one line per fatal failed assertion, "FILE: RULE-ID: text", and exits 1 if there is any,
2 when the validator itself cannot run. Warnings go to stderr and do not fail. The stylesheet is compiled once for all files because
compiling it costs far more than applying it.
"""
import sys
import xml.etree.ElementTree as ET

SVRL = "{http://purl.oclc.org/dsdl/svrl}"


def main(argv):
    if len(argv) < 3:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    try:
        from saxonche import PySaxonProcessor
    except ImportError:
        print("saxonche is not installed: run scripts/einvoice-deps.sh", file=sys.stderr)
        return 2
    xslt, files = argv[1], argv[2:]
    failures = 0
    with PySaxonProcessor(license=False) as proc:
        executable = proc.new_xslt30_processor().compile_stylesheet(stylesheet_file=xslt)
        for path in files:
            svrl = executable.transform_to_string(source_file=path)
            if not svrl:
                print(f"{path}: the validator produced no report", file=sys.stderr)
                return 2
            for fa in ET.fromstring(svrl).iter(SVRL + "failed-assert"):
                text = " ".join("".join(fa.itertext()).split())
                if fa.get("flag") == "fatal":
                    print(f"{path}: {fa.get('id')}: {text}")
                    failures += 1
                else:
                    print(f"{path}: {fa.get('flag')}: {fa.get('id')}: {text}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
