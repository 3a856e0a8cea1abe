#!/usr/bin/python3
"""Exports bert_base at sequence length 1 (batch 1) into DIR/bert_base_seq1, in the layout of
../shared/scripts/make-bench-models.sh (model.onnx, inputs/, outputs/ from PyTorch eager, meta.json).

The shared export bakes sequence length 128 into bert_base's position table, so the case where
weight traffic dominates (one token: every weight read once per inference, little arithmetic) needs
its own export. Same encoder definition and exporter as the shared script (imported from it), with
the sequence length set to 1. Needs Debian's python3-torch and python3-onnx (use /usr/bin/python3).

usage: scripts/make-bert-seq1.py DIR [--shared ../shared]
"""
import argparse
import os
import sys


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser()
    ap.add_argument("out_dir")
    ap.add_argument("--shared", default=os.path.join(here, "..", "..", "shared"))
    args = ap.parse_args()
    sys.path.insert(0, os.path.join(os.path.abspath(args.shared), "scripts"))
    import export_models  # noqa: E402  (the shared exporter: Encoder, export_one, meta.json writer)

    vocab, hidden, layers, heads, _ = export_models.ENCODERS["bert_base"]
    export_models.ENCODERS["bert_base_seq1"] = (vocab, hidden, layers, heads, 1)
    os.makedirs(args.out_dir, exist_ok=True)
    stats = export_models.export_one("bert_base_seq1", args.out_dir)
    if stats is None:
        sys.exit("export failed")


if __name__ == "__main__":
    main()
