#!/usr/bin/env python3
"""Splits the one-graph text model that train_text.py exports into the three files the product loads, so that a
retrain of the small heads rewrites only the small file and the frozen third-party encoder never changes:

  text-encoder.onnx  pieces (int64 [k])                    -> embedding (float [512]): USE Lite, frozen
  text-lexical.onnx  indices, values (sparse), tokens (CNN) -> sparse, cnn (float [3] each): the branches' mean
                                                              probabilities
  text-heads.onnx    sparse, cnn, embedding                 -> probabilities (float [3]): the encoder heads, the
                                                              branch weights and the temperature

  python3 models/training/split_text_model.py --model FULL.onnx --out models/text-sentiment

The graphs are cut out of the exported one with onnx.utils.Extractor at the tensors the top-level mixture reads (the
branch means and the unit sentence embedding), so every op, weight and constant is the one the single graph had and
the three files compute exactly what it computed. Float initializers whose values are all exactly float16 (the
encoder's weights were rounded to float16 values when it was converted) are stored as float16 with a Cast back to
float: the same float32 values at run time, half the bytes. Names torch gives by a running number ("onnx::Gather_462")
are replaced by ones derived from the graph's node names, and the files are serialised deterministically, so the same
encoder gives the same bytes, and the same SHA-256, whatever else the export contained. With the card
(text-sentiment.json in --out) the script records the files, their tensors and the encoder's SHA-256 in it.
"""
import argparse
import hashlib
import json
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

ENCODER_FILE, LEXICAL_FILE, HEADS_FILE = "text-encoder.onnx", "text-lexical.onnx", "text-heads.onnx"
BRANCHES = ("sparse", "cnn", "encoder")  # ExportedMixture's scopes, in its order


def branch_tensors(graph):
    """The mixture's inputs: {branch: tensor} for the branch means the top-level Mul nodes weight, and the unit
    sentence embedding the encoder heads read (None without an encoder branch). A graph of the sparse members alone
    (no mixture) gets an Identity as its mixture."""
    if not any(n.op_type == "Mul" and n.name.count("/") == 1 for n in graph.node):
        out = graph.output[0].name
        rename(graph, out, "/sparse/mean")
        graph.output[0].name = out
        graph.node.append(helper.make_node("Identity", ["/sparse/mean"], [out], name="/Mul"))
    producer = {o: n for n in graph.node for o in n.output}
    means = {}
    for n in graph.node:
        if n.op_type in ("Mul", "Identity") and n.name.count("/") == 1:  # the mixture's own nodes: "/Mul", "/Mul_1", ...
            for t in n.input:
                scope = producer[t].name.split("/")[1] if t in producer else ""
                if scope in BRANCHES:
                    means[scope] = t
    embedding = {t for n in graph.node if n.name.startswith("/encoder/heads.") for t in n.input
                 if t in producer and producer[t].name.startswith("/encoder/enc/")}
    assert set(means) >= {"sparse"} and len(embedding) <= 1, (means, embedding)
    return means, next(iter(embedding), None)


def rename(graph, old, new):
    for n in graph.node:
        n.input[:] = [new if t == old else t for t in n.input]
        n.output[:] = [new if t == old else t for t in n.output]
    for v in list(graph.input) + list(graph.output) + list(graph.value_info):
        if v.name == old:
            v.name = new
    for t in graph.initializer:
        if t.name == old:
            t.name = new


def canonical_names(graph):
    """"onnx::<op>_<number>" names depend on everything else the exporter saw; name such a tensor after the node that
    makes it, or (an initializer) after the first node that reads it and the input slot."""
    producer = {o: n for n in graph.node for o in n.output}
    for t in sorted({t for n in graph.node for t in list(n.input) + list(n.output) if t.startswith("onnx::")}):
        if t in producer:
            new = f"{producer[t].name}_output_{list(producer[t].output).index(t)}"
        else:
            reader = next(n for n in graph.node if t in n.input)
            new = f"{reader.name}.input_{list(reader.input).index(t)}"
        rename(graph, t, new)


def float16_where_exact(graph):
    """float32 initializers that float16 holds exactly → float16 + Cast to float. Returns the names converted."""
    converted, casts = [], []
    for init in graph.initializer:
        if init.data_type != TensorProto.FLOAT:
            continue
        a = numpy_helper.to_array(init)
        h = a.astype(np.float16)
        if not np.array_equal(h.astype(np.float32), a, equal_nan=True):
            continue
        name = init.name
        init.CopyFrom(numpy_helper.from_array(h, name + ".f16"))
        assert np.array_equal(numpy_helper.to_array(init).astype(np.float32), a)  # bit for bit after the round trip
        casts.append(helper.make_node("Cast", [name + ".f16"], [name], name=name + ".cast", to=TensorProto.FLOAT))
        converted.append(name)
    nodes = casts + list(graph.node)
    del graph.node[:]
    graph.node.extend(nodes)
    return converted


def finish(model, doc):
    del model.graph.value_info[:]  # shapes are inferred again by ONNX Runtime; keeps the file to what it needs
    model.producer_name, model.producer_version, model.doc_string = "split_text_model.py", "1", doc
    model.graph.name = doc.split(":")[0]
    onnx.checker.check_model(model, full_check=True)
    return model.SerializeToString(deterministic=True)


def extract(full, inputs, outputs, shapes):
    """The part of the graph between the given tensors; shapes: {tensor: (elem type, dims)} for cut points shape
    inference left without a type."""
    model = onnx.ModelProto()
    model.CopyFrom(full)
    for name, (elem, dims) in shapes.items():
        model.graph.value_info.append(helper.make_tensor_value_info(name, elem, dims))
    return onnx.utils.Extractor(model).extract_model(inputs, outputs)


def split(full_path, out_dir, log=lambda m: print(m, file=sys.stderr)):
    """Writes the three files into out_dir; returns the card's entries for them."""
    full = onnx.load(full_path)
    means, embedding = branch_tensors(full.graph)
    lexical_inputs = [i.name for i in full.graph.input if i.name != "pieces"]
    cut = {t: (TensorProto.FLOAT, [3]) for t in means.values()}
    if embedding:
        cut[embedding] = (TensorProto.FLOAT, [1, 512])
    out_names = [b for b in BRANCHES if b in means and b != "encoder"]
    files = {}

    lexical = extract(full, lexical_inputs, [means[b] for b in out_names], cut)
    for b in out_names:
        rename(lexical.graph, means[b], b)
    canonical_names(lexical.graph)
    files[LEXICAL_FILE] = (lexical, "text-lexical: sparse hashed-n-gram members and token CNNs, each branch's mean probabilities")

    if embedding:
        encoder = extract(full, ["pieces"], [embedding], cut)
        g = encoder.graph
        g.initializer.append(numpy_helper.from_array(np.array([-1], np.int64), "embedding.shape"))
        g.node.append(helper.make_node("Reshape", [embedding, "embedding.shape"], ["embedding"], name="/embedding"))
        del g.output[:]
        g.output.append(helper.make_tensor_value_info("embedding", TensorProto.FLOAT, [512]))
        canonical_names(g)
        files[ENCODER_FILE] = (encoder, "text-encoder: Universal Sentence Encoder Lite (frozen), piece ids to the unit "
                                        "512-d sentence embedding")

    heads_inputs = [means[b] for b in out_names] + ([embedding] if embedding else [])
    heads = extract(full, heads_inputs, [o.name for o in full.graph.output], cut)
    g = heads.graph
    for b in out_names:
        rename(g, means[b], b)
    if embedding:
        g.input.remove(next(i for i in g.input if i.name == embedding))
        g.input.append(helper.make_tensor_value_info("embedding", TensorProto.FLOAT, [512]))
        g.initializer.append(numpy_helper.from_array(np.array([0], np.int64), "embedding.axes"))
        g.node.insert(0, helper.make_node("Unsqueeze", ["embedding", "embedding.axes"], [embedding], name="/embedding"))
    canonical_names(g)
    files[HEADS_FILE] = (heads, "text-heads: encoder heads on the embedding, branch weights and temperature: "
                                "probabilities")

    entries, sizes = {}, {}
    for name, (model, doc) in files.items():
        converted = float16_where_exact(model.graph)
        data = finish(model, doc)
        with open(os.path.join(out_dir, name), "wb") as f:
            f.write(data)
        sizes[name] = len(data)
        g = model.graph
        entries[name] = {"file": name, "sha256": hashlib.sha256(data).hexdigest(),
                         "inputs": [i.name for i in g.input], "outputs": [o.name for o in g.output]}
        params = sum(int(np.prod(t.dims)) for t in g.initializer)
        log(f"{name}: {len(data):,} bytes, {params:,} parameters, {len(converted)} of {len(g.initializer)} "
            f"initializers stored as float16 (exact), inputs {entries[name]['inputs']} -> {entries[name]['outputs']}")
    return entries, sizes


def card_entries(entries):
    """The card's description of the three files; only the frozen encoder is pinned by SHA-256 (the lexical and head
    files are the model itself and change with every training)."""
    lex, heads = entries[LEXICAL_FILE], entries[HEADS_FILE]
    card = {"lexical": {"model": LEXICAL_FILE, "outputs": lex["outputs"]},
            "heads": {"model": HEADS_FILE, "output": heads["outputs"][0]}}
    if ENCODER_FILE in entries:
        enc = entries[ENCODER_FILE]
        card["encoderModel"] = {"model": ENCODER_FILE, "modelSha256": enc["sha256"], "output": enc["outputs"][0]}
    return card


def update_card(card, entries, sizes):
    """The card with the three files in place of the single graph's "output" (a new dict: keys in reading order)."""
    extra = card_entries(entries)
    out = {}
    for k, v in card.items():
        if k == "output":
            out["lexical"], out["heads"] = extra["lexical"], extra["heads"]
        elif k == "encoder" and "encoderModel" in extra:
            out[k] = {**v, **extra["encoderModel"]}
        elif k == "training":
            out[k] = {kk: (sizes if kk == "onnxBytes" else vv) for kk, vv in v.items()}
        else:
            out[k] = v
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", required=True, help="the single graph (train_text.py's export)")
    ap.add_argument("--out", required=True, help="folder for the three files; its text-sentiment.json is updated")
    a = ap.parse_args()
    entries, sizes = split(a.model, a.out)
    card_path = os.path.join(a.out, "text-sentiment.json")
    if os.path.exists(card_path):
        with open(card_path, encoding="utf-8") as f:
            card = json.load(f)
        with open(card_path, "w", encoding="utf-8") as f:
            json.dump(update_card(card, entries, sizes), f, indent=2)
            f.write("\n")
    for e in entries.values():
        print(f"{e['sha256']}  {e['file']}")


if __name__ == "__main__":
    main()
