"""Writes the MXNet op-sweep fixtures: one tiny MXNet symbol graph per case (<case>-symbol.json and
<case>-0000.params, as Module.save_checkpoint writes them), its inputs and reference outputs as .npy
files, and <case>.json naming them with the io_config to compile with and the tolerance to compare
at. Cases that neuron-cc must refuse carry "expect_error" (an NccError code) instead of outputs.

    /usr/bin/python3 scripts/make-mxnet-op-cases.py test/fixtures/mxnet-ops

MXNet itself is not needed: the reference outputs come from numpy in float64 (rounded to float32
after every op, as a float32 engine would store them), following MXNet 1.x operator semantics.
Ops that ../shared/scripts/ref/mxnet_ref.py already evaluates are computed by it; the rest by the
kernels below, each written from the MXNet operator source named in its comment. Every .params file
is read back with mxnet_ref.load_params before it is used, and graphs made only of mxnet_ref's ops
are also run end to end by mxnet_ref.Symbol from the written JSON.

Every case seeds numpy from its name, so re-running rewrites the same files.
"""
import json
import math
import os
import struct
import sys
import zlib

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "..", "shared", "scripts", "ref"))
import mxnet_ref as M  # noqa: E402

OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "test", "fixtures", "mxnet-ops")
TOL = (1e-5, 1e-4)
MXNET_VERSION = 10500
CASES = []

# ----------------------------------------------------------------------------- .params writer
LIST_MAGIC = 0x112
V2_MAGIC = 0xF993FAC9


def ndarray_record(a, legacy):
    """One NDArray as NDArray::Save writes it (V2), or as pre-V1 MXNet did (LegacyLoad's layout:
    no magic, uint32 ndim and uint32 dims), dense float32 on cpu(0)."""
    a = np.ascontiguousarray(a, dtype="<f4")
    assert a.ndim > 0, "a 0-d record reads back as an empty array"
    if legacy:
        head = struct.pack(f"<I{a.ndim}I", a.ndim, *a.shape)
    else:
        head = struct.pack(f"<IiI{a.ndim}q", V2_MAGIC, 0, a.ndim, *a.shape)
    return head + struct.pack("<iii", 1, 0, 0) + a.tobytes()


def params_bytes(entries, legacy=False):
    """entries: [(key, array)] with keys 'arg:NAME' / 'aux:NAME'."""
    out = struct.pack("<QQQ", LIST_MAGIC, 0, len(entries))
    out += b"".join(ndarray_record(a, legacy) for _, a in entries)
    out += struct.pack("<Q", len(entries))
    for k, _ in entries:
        kb = k.encode()
        out += struct.pack("<Q", len(kb)) + kb
    return out


# ----------------------------------------------------------------------------- graph builder
def hidden_outputs(op, attrs):
    """Outputs an op has beyond the ones list_outputs() shows (they count in node_row_ptr):
    BatchNorm's mean and var, LayerNorm's mean and std, Dropout's and rrelu's mask, L2Normalization's
    norm."""
    if op == "LeakyReLU":
        return 2 if attrs.get("act_type") == "rrelu" else 1
    return {"BatchNorm": 3, "LayerNorm": 3, "Dropout": 2, "L2Normalization": 2}.get(op, 1)


def attr_str(v):
    # MXNet's Python frontend stores str(value): "(3, 3)", "True", "0.001", "None"
    return v if isinstance(v, str) else str(v)


class Graph:
    """An MXNet symbol under construction: variables (graph inputs, arg/aux params, labels) and
    op nodes, serialized in the NNVM JSON of MXNet 1.x or the pre-NNVM (0.8) layout."""

    def __init__(self, name, rng, legacy_json=False):
        self.name, self.rng, self.legacy_json = name, rng, legacy_json
        self.nodes, self.heads = [], []
        self.inputs, self.args, self.auxs = {}, {}, {}

    def _add(self, node):
        self.nodes.append(node)
        return len(self.nodes) - 1

    def var(self, name, attrs=None, extra=None):
        node = {"op": "null", "name": name, "inputs": [], "num_outputs": 1}
        if attrs:
            node["attrs"] = {k: attr_str(v) for k, v in attrs.items()}
        if extra:
            node["extra"] = extra
        return (self._add(node), 0)

    def input(self, name, value, **kw):
        self.inputs[name] = np.asarray(value, np.float32)
        return self.var(name, **kw)

    def arg(self, name, value, gluon=False, **kw):
        self.args[name] = np.asarray(value, np.float32)
        if gluon:
            kw["attrs"] = {"__dtype__": "0", "__lr_mult__": "1.0", "__shape__": str(tuple(value.shape)),
                           "__storage_type__": "0", "__wd_mult__": "1.0"}
        return self.var(name, **kw)

    def aux(self, name, value, **kw):
        self.auxs[name] = np.asarray(value, np.float32)
        return self.var(name, **kw)

    def op(self, op, name, inputs, attrs=None, extra=None):
        """Returns the node's visible outputs: a list for SliceChannel, else the one entry."""
        attrs = {k: attr_str(v) for k, v in (attrs or {}).items()}
        visible = int(attrs["num_outputs"]) if op in ("SliceChannel", "split") else 1
        node = {"op": op, "name": name, "attrs": attrs, "inputs": list(inputs),
                "num_outputs": max(visible, hidden_outputs(op, attrs))}
        if extra:
            node["extra"] = extra
        i = self._add(node)
        return [(i, k) for k in range(visible)] if visible > 1 else (i, 0)

    def json(self):
        arg_nodes = [i for i, n in enumerate(self.nodes) if n["op"] == "null"]
        if self.legacy_json:
            nodes = []
            for n in self.nodes:
                d = {"op": n["op"], "param": n.get("attrs", {}) if n["op"] != "null" else {}, "name": n["name"],
                     "inputs": [[i, k] for i, k in n["inputs"]], "backward_source_id": -1}
                if n.get("extra"):
                    d["attr"] = n["extra"]
                nodes.append(d)
            return {"nodes": nodes, "arg_nodes": arg_nodes, "heads": [[i, k] for i, k in self.heads]}
        nodes, row_ptr = [], [0]
        for n in self.nodes:
            d = {"op": n["op"], "name": n["name"]}
            if n.get("attrs"):
                d["attrs"] = n["attrs"]
            d["inputs"] = [[i, k, 0] for i, k in n["inputs"]]
            nodes.append(d)
            row_ptr.append(row_ptr[-1] + n["num_outputs"])
        return {"nodes": nodes, "arg_nodes": arg_nodes, "node_row_ptr": row_ptr,
                "heads": [[i, k, 0] for i, k in self.heads], "attrs": {"mxnet_version": ["int", MXNET_VERSION]}}


# ----------------------------------------------------------------------------- attribute parsing
def attrs_of(node):
    # a legacy node keeps op parameters in "param" and extra attributes in "attr": MXNet merges both
    merged = {}
    for key in ("param", "attr", "attrs"):
        merged.update(node.get(key) or {})
    return merged


def opt_tuple(s):
    """'(None, 1, -3)' -> [None, 1, -3]; a bare '2' -> [2]."""
    s = s.strip().strip("()[]")
    return [None if x.strip() == "None" else int(x) for x in s.split(",") if x.strip()]


def tuple_attr(a, key, default):
    v = a.get(key)
    if v is None or v.strip() in ("None", "", "()", "[]"):
        return default
    return tuple(int(x) for x in opt_tuple(v))


def flag(a, key, default):
    return M._bool(a.get(key), default)


def num(a, key, default):
    return M._float(a.get(key), default)


# ----------------------------------------------------------------------------- own kernels
def conv1d(a, x):
    """Convolution with a 1-D kernel (src/operator/nn/convolution-inl.h: NCW data, (O, C/g, k)
    weight), run as a height-1 2-D convolution through mxnet_ref's conv2d_nchw."""
    (k,) = tuple_attr(a, "kernel", None)
    s, p, d = (tuple_attr(a, key, (dv,))[0] for key, dv in (("stride", 1), ("pad", 0), ("dilate", 1)))
    b = None if flag(a, "no_bias", False) else x[2]
    y = M.conv2d_nchw(x[0][:, :, None, :], x[1][:, :, None, :], b, (1, s), (0, p), (1, d),
                      int(a.get("num_group", "1")))
    return [y[:, :, 0, :]]


def deconvolution(a, x):
    """src/operator/nn/deconvolution-inl.h: weight (C, num_filter/g, k...), no_bias defaults to
    True; the output is the full transposed convolution (s*(in-1) + dilated k) read from offset pad,
    adj extra positions at the end. A non-zero target_shape replaces pad and adj (InferPad):
    total = s*(in-1) + dilated k - target, adj = total % 2, pad = (total + 1) / 2."""
    data, w = x[0], x[1]
    kernel = tuple_attr(a, "kernel", None)
    nd = len(kernel)
    stride = tuple_attr(a, "stride", (1,) * nd)
    dilate = tuple_attr(a, "dilate", (1,) * nd)
    pad = tuple_attr(a, "pad", (0,) * nd)
    adj = tuple_attr(a, "adj", (0,) * nd)
    target = tuple_attr(a, "target_shape", ())
    groups = int(a.get("num_group", "1"))
    nf = int(a["num_filter"])
    sp_in = data.shape[2:]
    dks = [1 + (kernel[i] - 1) * dilate[i] for i in range(nd)]
    pads, adjs = list(pad), list(adj)
    if any(t != 0 for t in target):
        for i in range(nd):
            total = stride[i] * (sp_in[i] - 1) + dks[i] - target[i]
            adjs[i], pads[i] = total % 2, (total + 1) // 2
    out_sp = [stride[i] * (sp_in[i] - 1) + dks[i] - 2 * pads[i] + adjs[i] for i in range(nd)]
    full_sp = [max(stride[i] * (sp_in[i] - 1) + dks[i], pads[i] + out_sp[i]) for i in range(nd)]
    n, c = data.shape[:2]
    cg, og = c // groups, nf // groups
    full = np.zeros((n, nf, *full_sp))
    for g in range(groups):
        xg = data[:, g * cg:(g + 1) * cg]
        for ks in np.ndindex(*kernel):
            contrib = np.einsum("nc...,co->no...", xg, w[(slice(g * cg, (g + 1) * cg), slice(None)) + ks])
            where = tuple(slice(ks[i] * dilate[i], ks[i] * dilate[i] + (sp_in[i] - 1) * stride[i] + 1, stride[i])
                          for i in range(nd))
            full[(slice(None), slice(g * og, (g + 1) * og)) + where] += contrib
    y = full[(slice(None), slice(None)) + tuple(slice(pads[i], pads[i] + out_sp[i]) for i in range(nd))]
    if not flag(a, "no_bias", True):
        y = y + x[2].reshape([1, -1] + [1] * nd)
    return [y]


_erf = np.vectorize(math.erf)


def gelu(a, x):
    """LeakyReLU act_type=gelu: MXNet 1.x mshadow_op::gelu is the erf form,
    0.5 x (1 + erf(x / sqrt 2)) (src/operator/mshadow_op.h)."""
    z = x[0]
    return [0.5 * z * (1 + _erf(z / math.sqrt(2)))]


def reshape_shape(shape, dshape, reverse):
    """src/operator/tensor/matrix_op-inl.h InferReshapeShape: 0 copies a dim, -1 infers one (and
    consumes an input dim), -2 copies the rest, -3 merges two, -4 splits one into the next two
    values; reverse matches the codes from the right."""
    d, p = list(dshape), list(shape)
    if reverse:
        d.reverse()
        p.reverse()
    tmp, src, inf, i = [], 0, -1, 0
    while i < len(p):
        v = p[i]
        if v == 0:
            tmp.append(d[src])
            src += 1
        elif v == -1:
            assert inf < 0 and len(tmp) == i, "MXNet indexes the inferred dim by code position"
            inf = i
            tmp.append(1)
            src += 1
        elif v == -2:
            tmp.extend(d[src:])
            src = len(d)
        elif v == -3:
            tmp.append(d[src] * d[src + 1])
            src += 2
        elif v == -4:
            d0, d1, d2 = d[src], p[i + 1], p[i + 2]
            src += 1
            i += 2
            if d1 == -1:
                d1 = d0 // d2
            if d2 == -1:
                d2 = d0 // d1
            assert d1 * d2 == d0
            tmp += [d1, d2]
        else:
            tmp.append(v)
            src += 1
        i += 1
    if inf >= 0:
        tmp[inf] = int(np.prod(dshape)) // int(np.prod(tmp))
    if reverse:
        tmp.reverse()
    return tuple(tmp)


def reshape(a, x):
    shape = opt_tuple(a["shape"])
    out = reshape_shape(shape, x[0].shape, flag(a, "reverse", False))
    return [x[0].reshape(out)]


def transpose(a, x):
    axes = tuple_attr(a, "axes", None)
    return [np.transpose(x[0], axes)]


def slice_channel(a, x):
    """src/operator/slice_channel-inl.h: num_outputs equal parts along axis (default 1, negative
    counts from the end); squeeze_axis drops that axis, whose parts must then be of size 1."""
    n, axis = int(a["num_outputs"]), int(a.get("axis", "1"))
    parts = np.split(x[0], n, axis=axis)
    if flag(a, "squeeze_axis", False):
        parts = [np.squeeze(p, axis=axis) for p in parts]
    return parts


def slice_op(a, x):
    """src/operator/tensor/matrix_op-inl.h GetIndexRange: per listed axis, step defaults to 1;
    begin defaults to 0 (len-1 for a negative step); end defaults to len (-1, i.e. past the
    front, for a negative step); negative begin/end count from the end; no clamping."""
    z = x[0]
    begin, end = opt_tuple(a["begin"]), opt_tuple(a["end"])
    step = opt_tuple(a["step"]) if a.get("step") not in (None, "()", "[]", "None") else [None] * len(begin)
    index = []
    for i in range(z.ndim):
        if i >= len(begin):
            index.append(np.arange(z.shape[i]))
            continue
        n = z.shape[i]
        s = 1 if step[i] is None else step[i]
        b = begin[i] if begin[i] is not None else (n - 1 if s < 0 else 0)
        e = end[i] if end[i] is not None else (-1 if s < 0 else n)
        if b < 0:
            b += n
        if end[i] is not None and e < 0:
            e += n
        assert 0 <= b < n and e <= n and b != e
        size = (e - b - 1) // s + 1 if s > 0 else (b - e - 1) // (-s) + 1
        index.append(b + s * np.arange(size))
    return [z[np.ix_(*index)]]


def expand_dims(a, x):
    axis = int(a["axis"])
    if axis < 0:
        axis += x[0].ndim + 1
    return [np.expand_dims(x[0], axis)]


def squeeze(a, x):
    """src/operator/tensor/matrix_op-inl.h SqueezeShape: without axis every size-1 dim goes; a
    result with no dims left is shape (1,)."""
    z = x[0]
    axes = tuple_attr(a, "axis", None)
    if axes is None:
        axes = tuple(i for i, n in enumerate(z.shape) if n == 1)
    axes = tuple(ax % z.ndim for ax in axes)
    assert all(z.shape[ax] == 1 for ax in axes)
    shape = [n for i, n in enumerate(z.shape) if i not in axes] or [1]
    return [z.reshape(shape)]


def clip(a, x):
    return [np.clip(x[0], float(a["a_min"]), float(a["a_max"]))]


BINARY = {
    "elemwise_div": np.divide,
    "broadcast_div": np.divide,
    "broadcast_maximum": np.maximum,
    "broadcast_minimum": np.minimum,
    "broadcast_power": np.power,
    # comparisons return 0/1 in the input dtype (elemwise_binary_broadcast_op, mshadow_op::eq ...)
    "broadcast_equal": lambda u, v: (u == v).astype(np.float64),
    "broadcast_not_equal": lambda u, v: (u != v).astype(np.float64),
    "broadcast_greater": lambda u, v: (u > v).astype(np.float64),
    "broadcast_greater_equal": lambda u, v: (u >= v).astype(np.float64),
    "broadcast_lesser": lambda u, v: (u < v).astype(np.float64),
    "broadcast_lesser_equal": lambda u, v: (u <= v).astype(np.float64),
}


def log_softmax(a, x):
    axis = int(a.get("axis", "-1"))
    z = x[0] / num(a, "temperature", 1.0)
    m = z.max(axis=axis, keepdims=True)
    return [z - m - np.log(np.exp(z - m).sum(axis=axis, keepdims=True))]


def softmax_output(a, x):
    """src/operator/softmax_output-inl.h at inference (the label is unused): multi_output takes
    the softmax over axis 1 of (n, k, rest); preserve_shape over the last axis (FlatTo2D);
    otherwise over everything but the batch axis, (n, size / n)."""
    z = x[0]
    if flag(a, "multi_output", False):
        return [M.softmax(z.reshape(z.shape[0], z.shape[1], -1), 1).reshape(z.shape)]
    if flag(a, "preserve_shape", False):
        return [M.softmax(z, -1)]
    return [M.softmax(z.reshape(z.shape[0], -1), 1).reshape(z.shape)]


def embedding(a, x):
    """src/operator/tensor/indexing_op.h EmbeddingOpForwardDnsImpl: indices cast to integers
    (truncation) and clipped into [0, input_dim - 1]."""
    idx = np.clip(np.trunc(x[0]).astype(np.int64), 0, x[1].shape[0] - 1)
    return [x[1][idx]]


def reduce_axes(kind):
    def f(a, x):
        """src/operator/tensor/broadcast_reduce_op.h ReduceAxesShapeImpl: no axis reduces all
        (shape (1,) without keepdims); exclude reduces the axes not listed; without keepdims the
        result keeps at least one dim."""
        z = x[0]
        axes = tuple_attr(a, "axis", ())
        keep, exclude = flag(a, "keepdims", False), flag(a, "exclude", False)
        if not axes:
            red = tuple(range(z.ndim))
        else:
            axes = tuple(sorted(ax % z.ndim for ax in axes))
            red = tuple(i for i in range(z.ndim) if i not in axes) if exclude else axes
        y = {"sum": np.sum, "mean": np.mean, "max": np.max, "min": np.min}[kind](z, axis=red, keepdims=True)
        if keep:
            return [y]
        shape = [n for i, n in enumerate(z.shape) if i not in red] or [1]
        return [y.reshape(shape)]
    return f


def upsampling(a, x):
    """src/operator/nn/upsampling-inl.h, nearest: one input is repeated scale times along H and W;
    several inputs are each repeated up to (scale * H0, scale * W0) of the first, then
    concatenated on channels (multi_input_mode concat) or added (sum)."""
    assert a.get("sample_type", "nearest") == "nearest"
    scale = int(opt_tuple(a["scale"])[0])
    oh, ow = x[0].shape[2] * scale, x[0].shape[3] * scale
    ups = [np.repeat(np.repeat(z, oh // z.shape[2], axis=2), ow // z.shape[3], axis=3) for z in x]
    if len(ups) == 1:
        return ups
    if a.get("multi_input_mode", "concat") == "sum":
        return [sum(ups)]
    return [np.concatenate(ups, axis=1)]


def crop(a, x):
    """src/operator/crop-inl.h: output H, W from h_w (num_args 1) or the second input's shape;
    offset (default (0, 0)) or, with center_crop, ((H - h) / 2, (W - w) / 2)."""
    z = x[0]
    h, w = (x[1].shape[2], x[1].shape[3]) if int(a["num_args"]) == 2 else tuple_attr(a, "h_w", None)
    if flag(a, "center_crop", False):
        oy, ox = (z.shape[2] - h) // 2, (z.shape[3] - w) // 2
    else:
        oy, ox = tuple_attr(a, "offset", (0, 0))
    return [z[:, :, oy:oy + h, ox:ox + w]]


def pad(a, x):
    """src/operator/pad.cc: pad_width is (before, after) per axis; reflect mirrors without repeating
    the edge (Torch's ReflectionPadding), edge repeats it."""
    pw = tuple_attr(a, "pad_width", None)
    widths = [(pw[2 * i], pw[2 * i + 1]) for i in range(x[0].ndim)]
    mode = a.get("mode", "constant")
    if mode == "constant":
        return [np.pad(x[0], widths, mode="constant", constant_values=num(a, "constant_value", 0.0))]
    return [np.pad(x[0], widths, mode={"edge": "edge", "reflect": "reflect"}[mode])]


def layer_norm(a, x):
    """src/operator/nn/layer_norm-inl.h: axis -1 and eps 1e-5 by default; biased variance;
    outputs (out, mean, std) of which only out is visible."""
    z, gamma, beta = x
    axis = int(a.get("axis", "-1")) % z.ndim
    eps = num(a, "eps", 1e-5)
    mean = z.mean(axis=axis, keepdims=True)
    std = np.sqrt(((z - mean) ** 2).mean(axis=axis, keepdims=True) + eps)
    shape = [1] * z.ndim
    shape[axis] = -1
    return [(z - mean) / std * gamma.reshape(shape) + beta.reshape(shape), mean, std]


def batch_dot(a, x):
    u, v = x
    if flag(a, "transpose_a", False):
        u = np.swapaxes(u, -1, -2)
    if flag(a, "transpose_b", False):
        v = np.swapaxes(v, -1, -2)
    return [u @ v]


def dot(a, x):
    """src/operator/tensor/dot-inl.h DotShape: an N-d lhs is (prod of all but the last, last), or
    with transpose_a (first, prod of the rest) transposed; an N-d rhs is (first, rest), or with
    transpose_b (prod of all but the last, last) transposed. The output shape is lhs's free dims
    followed by rhs's."""
    u, v = x
    ta, tb = flag(a, "transpose_a", False), flag(a, "transpose_b", False)
    if u.ndim == 1 and v.ndim == 1:
        return [np.array([u @ v])]
    if ta:
        lfree, lm = u.shape[1:], u.reshape(u.shape[0], -1).T
    else:
        lfree, lm = u.shape[:-1], u.reshape(-1, u.shape[-1])
    if tb:
        rfree, rm = v.shape[:-1], v.reshape(-1, v.shape[-1]).T
    else:
        rfree, rm = v.shape[1:], v.reshape(v.shape[0], -1)
    shape = (lfree if u.ndim > 1 else ()) + (rfree if v.ndim > 1 else ())
    return [(lm @ rm).reshape(shape)]


OWN = {
    "Deconvolution": deconvolution,
    "Reshape": reshape,
    "transpose": transpose,
    "SliceChannel": slice_channel,
    "split": slice_channel,
    "slice": slice_op,
    "expand_dims": expand_dims,
    "squeeze": squeeze,
    "clip": clip,
    "log_softmax": log_softmax,
    "SoftmaxOutput": softmax_output,
    "Embedding": embedding,
    "sum": reduce_axes("sum"),
    "mean": reduce_axes("mean"),
    "max": reduce_axes("max"),
    "min": reduce_axes("min"),
    "UpSampling": upsampling,
    "Crop": crop,
    "Pad": pad,
    "LayerNorm": layer_norm,
    "batch_dot": batch_dot,
    "dot": dot,
    **{k: (lambda f: lambda a, x: [f(x[0], x[1])])(f) for k, f in BINARY.items()},
}

# what mxnet_ref.Symbol._op evaluates (its docstring and code): those ops are not re-implemented here
REF_OPS = {
    "Convolution", "BatchNorm", "Activation", "LeakyReLU", "Pooling", "FullyConnected", "Flatten",
    "L2Normalization", "softmax", "SoftmaxActivation", "slice_axis", "elemwise_add", "_Plus", "_plus",
    "broadcast_add", "elemwise_sub", "_Minus", "broadcast_sub", "elemwise_mul", "_Mul", "broadcast_mul",
    "Concat", "Dropout", "_plus_scalar", "_minus_scalar", "_rminus_scalar", "_mul_scalar", "_div_scalar",
    "_rdiv_scalar", "_maximum_scalar", "_minimum_scalar", "_power_scalar",
}
# Symbol._op reads no instance state: an uninitialized Symbol lends it to graphs it cannot load
_REF = object.__new__(M.Symbol)
USED = {"mxnet_ref.py": set(), "own numpy": set()}


def run_op(op, a, ins, whole_by_ref):
    """whole_by_ref: a one-element list, cleared when the op is not mxnet_ref.Symbol's own."""
    f = [None if v is None else np.asarray(v, np.float64) for v in ins]
    if op == "Convolution" and len(tuple_attr(a, "kernel", ())) == 1:
        USED["mxnet_ref.py"].add("Convolution (1-D, through conv2d_nchw)")
        whole_by_ref[0] = False
        return conv1d(a, f)
    if op == "LeakyReLU" and a.get("act_type") == "gelu":
        USED["own numpy"].add("LeakyReLU (gelu)")
        whole_by_ref[0] = False
        return gelu(a, f)
    if op in REF_OPS:
        USED["mxnet_ref.py"].add(op)
        return M.Symbol._op(_REF, op, a, f)
    USED["own numpy"].add(op)
    whole_by_ref[0] = False
    return OWN[op](a, f)


def evaluate(sym, inputs, arg, aux):
    """Runs a symbol JSON (either layout) on float64 values, every op's outputs rounded to float32.
    Returns ({list_outputs() name: array}, whether mxnet_ref evaluated every op)."""
    nodes, legacy = sym["nodes"], "mxnet_version" not in sym.get("attrs", {})
    vals, by_ref = [], [True]
    for node in nodes:
        op, name, a = node["op"], node["name"], attrs_of(node)
        if op == "null":
            v = inputs.get(name, arg.get(name, aux.get(name)))
            assert v is not None or name.endswith("_label"), f"no value for {name}"
            vals.append([v])
            continue
        ins = [vals[e[0]][e[1]] for e in node["inputs"]]
        if legacy and op == "BatchNorm" and len(ins) == 3:
            # LoadLegacyJSONPass (src/nnvm/legacy_json_util.cc) adds the missing aux inputs as
            # variables named <node>_<input>
            ins += [aux[f"{name}_moving_mean"], aux[f"{name}_moving_var"]]
        vals.append([np.asarray(y, np.float64).astype(np.float32) for y in run_op(op, a, ins, by_ref)])
    return {out_name(nodes[e[0]], e[1]): vals[e[0]][e[1]] for e in sym["heads"]}, by_ref[0]


def out_name(node, index):
    if node["op"] in ("SliceChannel", "split"):
        return f"{node['name']}_output{index}"
    assert index == 0
    return f"{node['name']}_output"


# ----------------------------------------------------------------------------- prettier-style JSON
def to_json(v, indent="", prefix_len=0):
    """JSON as prettier writes it: objects one key a line; arrays on one line when they fit in
    110 columns, unless every element is itself a multi-element array or object."""
    if isinstance(v, dict):
        if not v:
            return "{}"
        inner = indent + "  "
        items = [f"{inner}{json.dumps(k)}: {to_json(x, inner, len(inner) + len(json.dumps(k)) + 2)}"
                 for k, x in v.items()]
        return "{\n" + ",\n".join(items) + "\n" + indent + "}"
    if isinstance(v, (list, tuple)):
        if not v:
            return "[]"
        nested = len(v) > 1 and all(isinstance(x, (list, tuple, dict)) and len(x) > 1 for x in v)
        flat = "[" + ", ".join(to_json(x, indent) for x in v) + "]"
        if not nested and "\n" not in flat and prefix_len + len(flat) + 1 <= 110:
            return flat
        inner = indent + "  "
        return "[\n" + ",\n".join(inner + to_json(x, inner, len(inner)) for x in v) + "\n" + indent + "]"
    if isinstance(v, float):
        return repr(v).replace("e-0", "e-")
    return json.dumps(v)


def write_json(path, v):
    with open(path, "w") as f:
        f.write(to_json(v) + "\n")


# ----------------------------------------------------------------------------- cases
def case(name, legacy_json=False, legacy_params=False, tol=TOL, check_ref=True):
    """Decorator: the function builds the graph on a fresh Graph and sets its heads."""
    def wrap(build):
        CASES.append(dict(name=name, build=build, legacy_json=legacy_json, legacy_params=legacy_params,
                          tol=tol, check_ref=check_ref))
        return build
    return wrap


def save_npy(path, a):
    # a transposed view would be saved Fortran-ordered, which readers of C-order .npy refuse
    np.save(path, np.ascontiguousarray(a, dtype=np.float32))


def emit(c):
    name = c["name"]
    rng = np.random.default_rng(zlib.crc32(name.encode()))
    g = Graph(name, rng, legacy_json=c["legacy_json"])
    c["build"](g)
    sym = g.json()
    write_json(os.path.join(OUT, f"{name}-symbol.json"), sym)
    entries = [(f"arg:{k}", v) for k, v in g.args.items()] + [(f"aux:{k}", v) for k, v in g.auxs.items()]
    blob = params_bytes(entries, legacy=c["legacy_params"])
    params_path = os.path.join(OUT, f"{name}-0000.params")
    with open(params_path, "wb") as f:
        f.write(blob)
    arg, aux, info = M.load_params(params_path)
    assert info["ndarray_versions"] == ([] if not entries else ["legacy" if c["legacy_params"] else "v2"])
    for k, v in entries:
        kind, _, key = k.partition(":")
        assert np.array_equal((arg if kind == "arg" else aux)[key], v), k
    meta = {"io_config": {"inputs": {k: [list(v.shape), "float32"] for k, v in g.inputs.items()}},
            "inputs": {}}
    for k, v in g.inputs.items():
        save_npy(os.path.join(OUT, f"{name}.{k}.npy"), v)
        meta["inputs"][k] = f"{name}.{k}.npy"
    if "expect_error" in c:
        meta["expect_error"] = c["expect_error"]
        if c.get("truncate"):
            with open(params_path, "wb") as f:
                f.write(blob[:c["truncate"](blob)])
    else:
        outs, by_ref = evaluate(sym, g.inputs, arg, aux)
        if c["check_ref"] and by_ref:
            # the same JSON through mxnet_ref's own evaluator
            theirs = M.Symbol(os.path.join(OUT, f"{name}-symbol.json")).forward(g.inputs, arg, aux)
            for k, v in outs.items():
                assert np.array_equal(theirs[k], v), f"{name}: mxnet_ref.Symbol disagrees on {k}"
        meta["outputs"] = {}
        for k, v in outs.items():
            assert np.all(np.isfinite(v)), f"{name}: {k} is not finite"
            save_npy(os.path.join(OUT, f"{name}.{k}.npy"), v)
            meta["outputs"][k] = f"{name}.{k}.npy"
        meta["tolerance"] = {"atol": c["tol"][0], "rtol": c["tol"][1]}
    write_json(os.path.join(OUT, f"{name}.json"), meta)


def rejected(name, code, truncate=None):
    def wrap(build):
        CASES.append(dict(name=name, build=build, legacy_json=False, legacy_params=False, tol=TOL,
                          check_ref=False, expect_error=code, truncate=truncate))
        return build
    return wrap


def randn(g, *shape):
    return g.rng.standard_normal(shape).astype(np.float32)


def positive(g, *shape, lo=0.5, hi=2.0):
    return g.rng.uniform(lo, hi, shape).astype(np.float32)


def halves(g, *shape):
    """Multiples of 0.5 in [-1, 1]: exact ties for comparisons."""
    return (g.rng.integers(-2, 3, shape) / 2).astype(np.float32)


def unary(op, shape, attrs=None, name=None, data=None):
    def build(g):
        x = g.input("data", randn(g, *shape) if data is None else data(g))
        g.heads = [g.op(op, name or op.lower().strip("_") + "0", [x], attrs)]
    return build


# --- Convolution (mxnet_ref) --------------------------------------------------------------------
@case("conv2d_bias_pad")
def _(g):
    x = g.input("data", randn(g, 1, 3, 6, 6))
    w = g.arg("conv0_weight", randn(g, 4, 3, 3, 3))
    b = g.arg("conv0_bias", randn(g, 4))
    g.heads = [g.op("Convolution", "conv0", [x, w, b], {"kernel": (3, 3), "num_filter": 4, "pad": (1, 1)})]


@case("conv2d_stride_dilate")
def _(g):
    x = g.input("data", randn(g, 1, 2, 9, 8))
    w = g.arg("conv0_weight", randn(g, 3, 2, 3, 3))
    b = g.arg("conv0_bias", randn(g, 3))
    g.heads = [g.op("Convolution", "conv0", [x, w, b], {"kernel": (3, 3), "stride": (2, 2), "dilate": (2, 2),
                                                         "pad": (2, 1), "num_filter": 3})]


@case("conv2d_groups")
def _(g):
    x = g.input("data", randn(g, 1, 4, 5, 5))
    w = g.arg("conv0_weight", randn(g, 6, 2, 3, 3))
    b = g.arg("conv0_bias", randn(g, 6))
    g.heads = [g.op("Convolution", "conv0", [x, w, b], {"kernel": (3, 3), "num_filter": 6, "num_group": 2})]


@case("conv2d_depthwise_no_bias")
def _(g):
    x = g.input("data", randn(g, 2, 3, 5, 5))
    w = g.arg("conv0_weight", randn(g, 3, 1, 3, 3))
    g.heads = [g.op("Convolution", "conv0", [x, w], {"kernel": (3, 3), "num_filter": 3, "num_group": 3,
                                                      "pad": (1, 1), "no_bias": True})]


@case("conv2d_1x1_no_bias")
def _(g):
    x = g.input("data", randn(g, 2, 4, 3, 3))
    w = g.arg("conv0_weight", randn(g, 5, 4, 1, 1))
    g.heads = [g.op("Convolution", "conv0", [x, w], {"kernel": (1, 1), "num_filter": 5, "no_bias": True})]


@case("conv1d")
def _(g):
    x = g.input("data", randn(g, 2, 3, 8))
    w = g.arg("conv0_weight", randn(g, 4, 3, 3))
    b = g.arg("conv0_bias", randn(g, 4))
    g.heads = [g.op("Convolution", "conv0", [x, w, b], {"kernel": (3,), "stride": (2,), "pad": (1,),
                                                         "num_filter": 4})]


@case("conv1d_groups_dilate")
def _(g):
    x = g.input("data", randn(g, 1, 4, 9))
    w = g.arg("conv0_weight", randn(g, 4, 2, 3))
    g.heads = [g.op("Convolution", "conv0", [x, w], {"kernel": (3,), "dilate": (2,), "num_filter": 4,
                                                      "num_group": 2, "no_bias": True})]


# --- Deconvolution (own) ------------------------------------------------------------------------
@case("deconv2d_default_no_bias")
def _(g):
    # no_bias defaults to True for Deconvolution: two inputs only
    x = g.input("data", randn(g, 1, 3, 3, 3))
    w = g.arg("deconv0_weight", randn(g, 3, 2, 3, 3))
    g.heads = [g.op("Deconvolution", "deconv0", [x, w], {"kernel": (3, 3), "num_filter": 2})]


@case("deconv2d_stride_pad_adj")
def _(g):
    x = g.input("data", randn(g, 1, 2, 3, 3))
    w = g.arg("deconv0_weight", randn(g, 2, 3, 3, 3))
    g.heads = [g.op("Deconvolution", "deconv0", [x, w], {"kernel": (3, 3), "stride": (2, 2), "pad": (1, 1),
                                                          "adj": (1, 1), "num_filter": 3})]


@case("deconv2d_target_shape")
def _(g):
    # target (7, 7) from 3x3, kernel 4, stride 2: total 1, so pad 1 and adj 1
    x = g.input("data", randn(g, 1, 2, 3, 3))
    w = g.arg("deconv0_weight", randn(g, 2, 2, 4, 4))
    g.heads = [g.op("Deconvolution", "deconv0", [x, w], {"kernel": (4, 4), "stride": (2, 2),
                                                          "target_shape": (7, 7), "num_filter": 2})]


@case("deconv2d_groups_bias")
def _(g):
    x = g.input("data", randn(g, 1, 4, 3, 3))
    w = g.arg("deconv0_weight", randn(g, 4, 3, 2, 2))
    b = g.arg("deconv0_bias", randn(g, 6))
    g.heads = [g.op("Deconvolution", "deconv0", [x, w, b], {"kernel": (2, 2), "stride": (2, 2), "num_filter": 6,
                                                             "num_group": 2, "no_bias": False})]


@case("deconv2d_dilate")
def _(g):
    x = g.input("data", randn(g, 1, 2, 3, 3))
    w = g.arg("deconv0_weight", randn(g, 2, 2, 2, 2))
    g.heads = [g.op("Deconvolution", "deconv0", [x, w], {"kernel": (2, 2), "dilate": (2, 2), "pad": (1, 1),
                                                          "num_filter": 2})]


@case("deconv1d")
def _(g):
    x = g.input("data", randn(g, 2, 2, 4))
    w = g.arg("deconv0_weight", randn(g, 2, 3, 3))
    b = g.arg("deconv0_bias", randn(g, 3))
    g.heads = [g.op("Deconvolution", "deconv0", [x, w, b], {"kernel": (3,), "stride": (2,), "pad": (1,),
                                                             "adj": (1,), "num_filter": 3, "no_bias": False})]


# --- FullyConnected (mxnet_ref) -----------------------------------------------------------------
@case("fc_flatten")
def _(g):
    x = g.input("data", randn(g, 2, 3, 2, 2))
    w = g.arg("fc0_weight", randn(g, 5, 12))
    b = g.arg("fc0_bias", randn(g, 5))
    g.heads = [g.op("FullyConnected", "fc0", [x, w, b], {"num_hidden": 5})]


@case("fc_no_flatten")
def _(g):
    x = g.input("data", randn(g, 2, 3, 4))
    w = g.arg("fc0_weight", randn(g, 5, 4))
    b = g.arg("fc0_bias", randn(g, 5))
    g.heads = [g.op("FullyConnected", "fc0", [x, w, b], {"num_hidden": 5, "flatten": False})]


@case("fc_no_bias")
def _(g):
    x = g.input("data", randn(g, 3, 6))
    w = g.arg("fc0_weight", randn(g, 4, 6))
    g.heads = [g.op("FullyConnected", "fc0", [x, w], {"num_hidden": 4, "no_bias": True})]


# --- BatchNorm (mxnet_ref) ----------------------------------------------------------------------
def batchnorm(attrs, shape=(2, 3, 4, 4), channels=3):
    def build(g):
        x = g.input("data", randn(g, *shape))
        gamma = g.arg("bn0_gamma", positive(g, channels))
        beta = g.arg("bn0_beta", randn(g, channels))
        mean = g.aux("bn0_moving_mean", randn(g, channels) * 0.5)
        var = g.aux("bn0_moving_var", positive(g, channels, lo=0.05, hi=1.5))
        g.heads = [g.op("BatchNorm", "bn0", [x, gamma, beta, mean, var], attrs)]
    return build


# defaults: fix_gamma True (gamma read as 1), eps 1e-3 (src/operator/nn/batch_norm-inl.h)
case("batchnorm_defaults")(batchnorm({}))
case("batchnorm_fix_gamma_false")(batchnorm({"fix_gamma": False, "eps": 1e-05, "momentum": 0.9}))
case("batchnorm_use_global_stats")(batchnorm({"use_global_stats": True, "fix_gamma": False, "eps": 0.0001}))
case("batchnorm_axis_last")(batchnorm({"axis": -1, "fix_gamma": False}, shape=(2, 3, 4), channels=4))

# --- Activation (mxnet_ref) ---------------------------------------------------------------------
for act in ("relu", "sigmoid", "tanh", "softrelu", "softsign"):
    case(f"activation_{act}")(unary("Activation", (2, 3, 4), {"act_type": act}, name=f"{act}0",
                                    data=lambda g: randn(g, 2, 3, 4) * 3))


# --- LeakyReLU (mxnet_ref; gelu own) ------------------------------------------------------------
case("leakyrelu_leaky")(unary("LeakyReLU", (2, 3, 4), {"act_type": "leaky", "slope": 0.1}, name="lrelu0"))
case("leakyrelu_elu")(unary("LeakyReLU", (2, 3, 4), {"act_type": "elu", "slope": 0.5}, name="elu0"))
case("leakyrelu_selu")(unary("LeakyReLU", (2, 3, 4), {"act_type": "selu"}, name="selu0"))
case("leakyrelu_gelu")(unary("LeakyReLU", (2, 3, 4), {"act_type": "gelu"}, name="gelu0",
                             data=lambda g: randn(g, 2, 3, 4) * 2))


@case("leakyrelu_rrelu")
def _(g):
    # at inference the slope is (lower_bound + upper_bound) / 2; a hidden second output (the mask)
    x = g.input("data", randn(g, 2, 3, 4))
    g.heads = [g.op("LeakyReLU", "rrelu0", [x], {"act_type": "rrelu", "lower_bound": 0.1, "upper_bound": 0.3})]


@case("leakyrelu_prelu")
def _(g):
    x = g.input("data", randn(g, 2, 3, 2, 2))
    gamma = g.arg("prelu0_gamma", g.rng.uniform(0.05, 0.5, 3).astype(np.float32))
    g.heads = [g.op("LeakyReLU", "prelu0", [x, gamma], {"act_type": "prelu"})]


# --- Pooling (mxnet_ref) ------------------------------------------------------------------------
def pooling(attrs, shape):
    return unary("Pooling", shape, attrs, name="pool0")


case("pool_max_valid")(pooling({"kernel": (2, 2), "stride": (2, 2), "pool_type": "max"}, (1, 2, 5, 5)))
case("pool_max_full")(pooling({"kernel": (3, 3), "stride": (2, 2), "pool_type": "max",
                               "pooling_convention": "full"}, (1, 2, 6, 6)))
case("pool_avg_pad")(pooling({"kernel": (3, 3), "pad": (1, 1), "pool_type": "avg"}, (1, 2, 4, 4)))
case("pool_avg_pad_exclude")(pooling({"kernel": (3, 3), "pad": (1, 1), "pool_type": "avg",
                                      "count_include_pad": False}, (1, 2, 4, 4)))
case("pool_avg_full")(pooling({"kernel": (2, 2), "stride": (2, 2), "pool_type": "avg",
                               "pooling_convention": "full"}, (1, 2, 5, 5)))
case("pool_avg_full_pad")(pooling({"kernel": (3, 3), "stride": (2, 2), "pad": (1, 1), "pool_type": "avg",
                                   "pooling_convention": "full"}, (1, 2, 6, 6)))
case("pool_sum")(pooling({"kernel": (2, 2), "pool_type": "sum"}, (1, 2, 4, 4)))
case("pool_global_avg")(pooling({"kernel": (1, 1), "global_pool": True, "pool_type": "avg"}, (2, 3, 3, 4)))
case("pool_global_max")(pooling({"kernel": (1, 1), "global_pool": True, "pool_type": "max"}, (2, 3, 3, 4)))

# --- shape ops ----------------------------------------------------------------------------------
case("flatten")(unary("Flatten", (2, 3, 2, 2), name="flatten0"))
case("reshape_0_neg1")(unary("Reshape", (2, 3, 4, 2), {"shape": (0, -1)}, name="reshape0"))
case("reshape_neg2")(unary("Reshape", (2, 3, 4), {"shape": (0, -2, 1)}, name="reshape0"))
case("reshape_neg3")(unary("Reshape", (2, 3, 4, 2), {"shape": (0, -3, 0)}, name="reshape0"))
case("reshape_neg4")(unary("Reshape", (2, 6, 4), {"shape": (0, -4, 2, -1, 0)}, name="reshape0"))
# reverse matches the codes from the right: (-1, 0) on (6, 5, 4) is (30, 4), not (24, 5)
case("reshape_reverse")(unary("Reshape", (6, 5, 4), {"shape": (-1, 0), "reverse": True}, name="reshape0"))
case("transpose_default")(unary("transpose", (2, 3, 4), name="transpose0"))
case("transpose_axes")(unary("transpose", (2, 3, 4, 2), {"axes": (0, 2, 3, 1)}, name="transpose0"))
case("expand_dims")(unary("expand_dims", (2, 3), {"axis": 1}, name="expand_dims0"))
case("expand_dims_negative")(unary("expand_dims", (2, 3, 4), {"axis": -1}, name="expand_dims0"))
case("squeeze_all")(unary("squeeze", (2, 1, 3, 1), name="squeeze0"))
case("squeeze_axis")(unary("squeeze", (2, 1, 3, 1), {"axis": 1}, name="squeeze0"))


@case("concat_dim1")
def _(g):
    x = g.input("data", randn(g, 2, 2, 3))
    y = g.input("data2", randn(g, 2, 3, 3))
    g.heads = [g.op("Concat", "concat0", [x, y], {"dim": 1, "num_args": 2})]


@case("concat_three_negative_dim")
def _(g):
    xs = [g.input(n, randn(g, 2, 3, k)) for n, k in (("data", 1), ("data2", 2), ("data3", 3))]
    g.heads = [g.op("Concat", "concat0", xs, {"dim": -1, "num_args": 3})]


@case("slicechannel")
def _(g):
    x = g.input("data", randn(g, 2, 6, 3))
    g.heads = g.op("SliceChannel", "split0", [x], {"num_outputs": 3})


@case("slicechannel_squeeze_axis")
def _(g):
    x = g.input("data", randn(g, 2, 3, 4))
    g.heads = g.op("SliceChannel", "split0", [x], {"num_outputs": 3, "axis": 1, "squeeze_axis": True})


@case("split_alias_negative_axis")
def _(g):
    # "split" is SliceChannel's registered alias: MXNet loads it under either name
    x = g.input("data", randn(g, 2, 3, 4))
    g.heads = g.op("split", "split0", [x], {"num_outputs": 2, "axis": -1})


case("slice_axis_negative_begin")(unary("slice_axis", (2, 5, 3), {"axis": 1, "begin": -3, "end": None},
                                        name="slice_axis0"))
case("slice_axis_last_negative_end")(unary("slice_axis", (2, 3, 6), {"axis": -1, "begin": 1, "end": -1},
                                           name="slice_axis0"))
case("slice_none_negative")(unary("slice", (3, 4, 5), {"begin": (None, 1, -4), "end": (None, -1, None)},
                                  name="slice0"))
case("slice_step")(unary("slice", (4, 5, 3), {"begin": (None, 4, 0), "end": (None, None, 3),
                                              "step": (2, -2, None)}, name="slice0"))
case("slice_leading_axes_only")(unary("slice", (3, 4, 5), {"begin": (1,), "end": (3,)}, name="slice0"))

# --- elementwise / broadcast --------------------------------------------------------------------


def binary(op, lshape, rshape, make=randn, make_r=None, attrs=None):
    def build(g):
        x = g.input("data", make(g, *lshape))
        y = g.input("data2", (make_r or make)(g, *rshape))
        g.heads = [g.op(op, op.replace("broadcast_", "b") + "0", [x, y], attrs)]
    return build


def away_from_zero(g, *shape):
    return (positive(g, *shape) * np.where(g.rng.random(shape) < 0.5, -1, 1)).astype(np.float32)


for op in ("elemwise_add", "elemwise_sub", "elemwise_mul"):
    case(op)(binary(op, (2, 3, 4), (2, 3, 4)))
case("elemwise_div")(binary("elemwise_div", (2, 3, 4), (2, 3, 4), make_r=away_from_zero))
case("broadcast_add")(binary("broadcast_add", (2, 3, 4), (1, 3, 1)))
case("broadcast_sub_both")(binary("broadcast_sub", (2, 1, 4), (2, 3, 1)))
case("broadcast_mul_rank")(binary("broadcast_mul", (2, 3, 4), (3, 1)))
case("broadcast_div")(binary("broadcast_div", (2, 3, 4), (1, 1, 4), make_r=away_from_zero))
case("broadcast_maximum")(binary("broadcast_maximum", (2, 3, 4), (2, 3, 1), make=halves))
case("broadcast_minimum")(binary("broadcast_minimum", (2, 3, 4), (2, 3, 1), make=halves))
case("broadcast_power")(binary("broadcast_power", (2, 3, 4), (1, 3, 1), make=positive,
                               make_r=lambda g, *s: g.rng.uniform(-2, 2, s).astype(np.float32)))
for op in ("equal", "not_equal", "greater", "greater_equal", "lesser", "lesser_equal"):
    case(f"broadcast_{op}")(binary(f"broadcast_{op}", (2, 3, 4), (1, 3, 4), make=halves))

# scalar ops: the scalar is cast to the input dtype first (elemwise_binary_scalar_op.h)
for op, s, make in (("_plus_scalar", "1.5", None), ("_minus_scalar", "0.25", None), ("_rminus_scalar", "2.0", None),
                    ("_mul_scalar", "0.1", None), ("_div_scalar", "3.0", None), ("_rdiv_scalar", "2.0", away_from_zero),
                    ("_maximum_scalar", "0.2", None), ("_minimum_scalar", "-0.1", None), ("_power_scalar", "3", None)):
    case(op.strip("_"))(unary(op, (2, 3, 4), {"scalar": s}, name=op.strip("_").replace("_scalar", "") + "0",
                              data=None if make is None else (lambda mk: lambda g: mk(g, 2, 3, 4))(make)))

case("clip")(unary("clip", (2, 3, 4), {"a_min": -0.5, "a_max": 0.8}, name="clip0"))


@case("dropout_inference_hidden_mask")
def _(g):
    # Dropout has a second (mask) output that list_outputs() does not show
    x = g.input("data", randn(g, 2, 5))
    g.heads = [g.op("Dropout", "drop0", [x], {"p": 0.3})]


# --- softmax family -----------------------------------------------------------------------------
case("softmax_default_axis")(unary("softmax", (2, 3, 4), name="softmax0"))
case("softmax_axis_temperature")(unary("softmax", (2, 3, 4), {"axis": 1, "temperature": 2.0}, name="softmax0"))
case("log_softmax")(unary("log_softmax", (2, 3, 4), {"axis": 1}, name="log_softmax0"))
case("softmaxactivation_instance_2d")(unary("SoftmaxActivation", (3, 5), name="softmaxact0"))
# instance mode on N-d data is the softmax over the last axis (the CPU kernel's FlatTo2D keeps it),
# not over C*H*W; cuDNN refuses N-d data in this mode
case("softmaxactivation_instance")(unary("SoftmaxActivation", (2, 3, 2, 2), name="softmaxact0"))
case("softmaxactivation_channel")(unary("SoftmaxActivation", (2, 3, 2, 2), {"mode": "channel"},
                                        name="softmaxact0"))


def softmax_output(shape, attrs):
    def build(g):
        x = g.input("data", randn(g, *shape))
        label = g.var("softmax_label")
        g.heads = [g.op("SoftmaxOutput", "softmax", [x, label], attrs)]
    return build


case("softmaxoutput_2d")(softmax_output((3, 5), {"normalization": "null"}))
case("softmaxoutput_multi_output")(softmax_output((2, 3, 2, 2), {"multi_output": True}))
case("softmaxoutput_preserve_shape")(softmax_output((2, 3, 4), {"preserve_shape": True}))
case("softmaxoutput_flattens")(softmax_output((2, 3, 4), {}))

for mode in ("instance", "channel", "spatial"):
    case(f"l2normalization_{mode}")(unary("L2Normalization", (2, 3, 2, 2),
                                          {"mode": mode, **({"eps": 1e-06} if mode == "spatial" else {})},
                                          name="l2norm0"))


# --- Embedding (own) ----------------------------------------------------------------------------
@case("embedding")
def _(g):
    x = g.input("data", g.rng.integers(0, 5, (2, 3)).astype(np.float32))
    w = g.arg("embed0_weight", randn(g, 5, 4))
    g.heads = [g.op("Embedding", "embed0", [x, w], {"input_dim": 5, "output_dim": 4})]


@case("embedding_clips_indices")
def _(g):
    # out-of-range indices are clipped into [0, input_dim - 1]; fractions truncate
    x = g.input("data", np.array([[-1, 7, 2.75], [4, 0, 5]], np.float32))
    w = g.arg("embed0_weight", randn(g, 5, 3))
    g.heads = [g.op("Embedding", "embed0", [x, w], {"input_dim": 5, "output_dim": 3, "dtype": "float32"})]


# --- reductions (own) ---------------------------------------------------------------------------
case("sum_axis_keepdims")(unary("sum", (2, 3, 4), {"axis": 1, "keepdims": True}, name="sum0"))
case("mean_axes")(unary("mean", (2, 3, 4), {"axis": (0, 2)}, name="mean0"))
case("mean_negative_axis")(unary("mean", (2, 3, 4), {"axis": -1}, name="mean0"))
case("max_exclude")(unary("max", (2, 3, 4), {"axis": 1, "exclude": True}, name="max0"))
case("sum_exclude_keepdims")(unary("sum", (2, 3, 4), {"axis": (0, 2), "exclude": True, "keepdims": True},
                                   name="sum0"))
# no axis: everything, and without keepdims the result is shape (1,)
case("min_all")(unary("min", (2, 3, 4), name="min0"))


# --- UpSampling, Crop, Pad (own) ----------------------------------------------------------------
case("upsampling_nearest")(unary("UpSampling", (1, 2, 3, 3), {"scale": 2, "sample_type": "nearest",
                                                              "num_args": 1}, name="upsampling0"))


@case("upsampling_two_inputs_concat")
def _(g):
    x = g.input("data", randn(g, 1, 2, 2, 2))
    y = g.input("data2", randn(g, 1, 3, 4, 4))
    g.heads = [g.op("UpSampling", "upsampling0", [x, y], {"scale": 2, "sample_type": "nearest", "num_args": 2})]


@case("upsampling_two_inputs_sum")
def _(g):
    # every input is scaled to (scale * H0, scale * W0): the second, 1x1, by 4
    x = g.input("data", randn(g, 1, 2, 2, 2))
    y = g.input("data2", randn(g, 1, 2, 1, 1))
    g.heads = [g.op("UpSampling", "upsampling0", [x, y], {"scale": 2, "sample_type": "nearest", "num_args": 2,
                                                          "multi_input_mode": "sum"})]


case("crop_h_w_offset")(unary("Crop", (1, 2, 5, 6), {"num_args": 1, "h_w": (3, 4), "offset": (1, 2)},
                              name="crop0"))


@case("crop_like_center")
def _(g):
    # the second input gives only its H and W
    x = g.input("data", randn(g, 1, 2, 6, 7))
    y = g.input("data2", randn(g, 1, 1, 3, 4))
    g.heads = [g.op("Crop", "crop0", [x, y], {"num_args": 2, "center_crop": True})]


case("pad_constant")(unary("Pad", (1, 2, 3, 4), {"mode": "constant", "pad_width": (0, 0, 0, 0, 1, 2, 2, 1),
                                                 "constant_value": 0.5}, name="pad0"))
case("pad_edge")(unary("Pad", (1, 2, 3, 4), {"mode": "edge", "pad_width": (0, 0, 0, 0, 2, 1, 1, 2)},
                       name="pad0"))
case("pad_reflect")(unary("Pad", (1, 2, 3, 4), {"mode": "reflect", "pad_width": (0, 0, 0, 0, 1, 2, 2, 1)},
                          name="pad0"))


# --- LayerNorm, dot, batch_dot (own) ------------------------------------------------------------
@case("layernorm_default")
def _(g):
    x = g.input("data", randn(g, 2, 3, 4))
    gamma = g.arg("ln0_gamma", positive(g, 4))
    beta = g.arg("ln0_beta", randn(g, 4))
    g.heads = [g.op("LayerNorm", "ln0", [x, gamma, beta])]


@case("layernorm_axis1_eps")
def _(g):
    x = g.input("data", randn(g, 2, 3, 4))
    gamma = g.arg("ln0_gamma", positive(g, 3))
    beta = g.arg("ln0_beta", randn(g, 3))
    g.heads = [g.op("LayerNorm", "ln0", [x, gamma, beta], {"axis": 1, "eps": 0.001})]


case("batch_dot")(binary("batch_dot", (2, 3, 4), (2, 4, 5)))
case("batch_dot_transpose_a")(binary("batch_dot", (2, 4, 3), (2, 4, 5), attrs={"transpose_a": True}))
case("batch_dot_transpose_b")(binary("batch_dot", (2, 3, 4), (2, 5, 4), attrs={"transpose_b": True}))


def dot_case(lshape, rshape, attrs):
    def build(g):
        x = g.input("data", randn(g, *lshape))
        w = g.arg("dot0_rhs", randn(g, *rshape))
        g.heads = [g.op("dot", "dot0", [x, w], attrs)]
    return build


case("dot_2d")(binary("dot", (3, 4), (4, 5)))
case("dot_transpose_b_weight")(dot_case((3, 4), (5, 4), {"transpose_b": True}))
case("dot_3d_2d")(dot_case((2, 3, 4), (4, 5), {}))
# transpose_a on an N-d lhs contracts its FIRST axis: (4, 2, 3) . (4, 5) -> (2, 3, 5)
case("dot_transpose_a_3d")(dot_case((4, 2, 3), (4, 5), {"transpose_a": True}))
# transpose_b on an N-d rhs contracts its LAST axis: (3, 4) . (2, 5, 4) -> (3, 2, 5)
case("dot_transpose_b_3d")(dot_case((3, 4), (2, 5, 4), {"transpose_b": True}))


# --- tiny graphs --------------------------------------------------------------------------------
@case("tiny_convnet_gluon_attrs")
def _(g):
    # variables carry the attributes Gluon's export writes (__shape__, __dtype__, ...)
    x = g.input("data", randn(g, 1, 3, 6, 6))
    w = g.arg("conv0_weight", randn(g, 4, 3, 3, 3) * 0.5, gluon=True)
    b = g.arg("conv0_bias", randn(g, 4), gluon=True)
    y = g.op("Convolution", "conv0", [x, w, b], {"kernel": (3, 3), "num_filter": 4, "pad": (1, 1)})
    bn = [g.arg("bn0_gamma", positive(g, 4), gluon=True), g.arg("bn0_beta", randn(g, 4), gluon=True),
          g.aux("bn0_moving_mean", randn(g, 4)), g.aux("bn0_moving_var", positive(g, 4))]
    y = g.op("BatchNorm", "bn0", [y, *bn], {"fix_gamma": False, "eps": 1e-05})
    y = g.op("Activation", "relu0", [y], {"act_type": "relu"})
    y = g.op("Pooling", "pool0", [y], {"kernel": (2, 2), "stride": (2, 2), "pool_type": "max"})
    y = g.op("Flatten", "flatten0", [y])
    fw = g.arg("fc0_weight", randn(g, 5, 36) * 0.3, gluon=True)
    fb = g.arg("fc0_bias", randn(g, 5), gluon=True)
    y = g.op("FullyConnected", "fc0", [y, fw, fb], {"num_hidden": 5})
    g.heads = [g.op("softmax", "softmax0", [y])]


@case("two_heads_shared_input")
def _(g):
    x = g.input("data", randn(g, 2, 3))
    r = g.op("Activation", "relu0", [x], {"act_type": "relu"})
    s = g.op("Activation", "sigmoid0", [x], {"act_type": "sigmoid"})
    g.heads = [s, g.op("elemwise_add", "add0", [r, s])]


# --- pre-NNVM (MXNet 0.8) symbol JSON -----------------------------------------------------------
@case("legacy_json_mlp", legacy_json=True)
def _(g):
    # as tests/python/unittest/save_000800.json: "param" + "attr", [node, index] inputs, and a
    # BatchNorm listing only data, gamma, beta (the loader adds <name>_moving_mean/_moving_var)
    stage1, stage2 = {"ctx_group": "stage1"}, {"ctx_group": "stage2", "lr_mult": "0.01"}
    x = g.input("data", randn(g, 2, 6), extra={"ctx_group": "stage1", "lr_mult": "0.2"})
    w1 = g.arg("fc1_weight", randn(g, 8, 6), extra=stage1)
    b1 = g.arg("fc1_bias", randn(g, 8), extra=stage1)
    y = g.op("FullyConnected", "fc1", [x, w1, b1], {"no_bias": "False", "num_hidden": "8"}, extra=stage1)
    y = g.op("Activation", "relu1", [y], {"act_type": "relu"}, extra=stage1)
    w2 = g.arg("fc2_weight", randn(g, 5, 8), extra=stage2)
    b2 = g.arg("fc2_bias", randn(g, 5), extra=stage2)
    y = g.op("FullyConnected", "fc2", [y, w2, b2], {"no_bias": "False", "num_hidden": "5"}, extra=stage2)
    gamma = g.arg("batchnorm0_gamma", positive(g, 5), extra=stage2)
    beta = g.arg("batchnorm0_beta", randn(g, 5), extra=stage2)
    g.auxs["batchnorm0_moving_mean"] = randn(g, 5)
    g.auxs["batchnorm0_moving_var"] = positive(g, 5, lo=0.5, hi=3.0)
    y = g.op("BatchNorm", "batchnorm0", [y, gamma, beta],
             {"eps": "0.001", "fix_gamma": "False", "momentum": "0.9", "use_global_stats": "False"}, extra=stage2)
    label = g.var("softmax_label", extra=stage2)
    g.heads = [g.op("SoftmaxOutput", "softmax", [y, label],
                    {"grad_scale": "1", "ignore_label": "-1", "multi_output": "False", "normalization": "null",
                     "out_grad": "False", "preserve_shape": "False", "use_ignore": "False"}, extra=stage2)]


@case("legacy_json_conv_pool", legacy_json=True)
def _(g):
    # old TShape printing: "(3,3)" without spaces; every parameter written out
    x = g.input("data", randn(g, 1, 3, 6, 6))
    w = g.arg("conv1_weight", randn(g, 4, 3, 3, 3))
    b = g.arg("conv1_bias", randn(g, 4))
    y = g.op("Convolution", "conv1", [x, w, b],
             {"cudnn_tune": "off", "dilate": "(1,1)", "kernel": "(3,3)", "no_bias": "False", "num_filter": "4",
              "num_group": "1", "pad": "(1,1)", "stride": "(1,1)", "workspace": "512"})
    y = g.op("Pooling", "pool1", [y], {"global_pool": "False", "kernel": "(2,2)", "pad": "(0,0)", "pool_type": "max",
                                       "pooling_convention": "valid", "stride": "(2,2)"})
    g.heads = [g.op("Flatten", "flatten1", [y])]


@case("legacy_json_split_plus", legacy_json=True)
def _(g):
    # a consumer of a multi-output node's second output, the legacy "_Plus" name, and a head that
    # is an output of SliceChannel
    x = g.input("data", randn(g, 1, 4, 3, 3))
    parts = g.op("SliceChannel", "slice1", [x], {"axis": "1", "num_outputs": "2", "squeeze_axis": "False"})
    w = g.arg("conv1_weight", randn(g, 2, 2, 3, 3))
    b = g.arg("conv1_bias", randn(g, 2))
    y = g.op("Convolution", "conv1", [parts[1], w, b],
             {"dilate": "(1,1)", "kernel": "(3,3)", "no_bias": "False", "num_filter": "2", "num_group": "1",
              "pad": "(1,1)", "stride": "(1,1)", "workspace": "512"})
    y = g.op("_Plus", "plus1", [y, parts[0]])
    g.heads = [g.op("Activation", "relu1", [y], {"act_type": "relu"}), parts[1]]


# --- legacy (pre-V1, no magic) .params records ----------------------------------------------------
@case("legacy_params_conv_bn", legacy_params=True)
def _(g):
    x = g.input("data", randn(g, 1, 2, 4, 4))
    w = g.arg("conv0_weight", randn(g, 3, 2, 3, 3))
    b = g.arg("conv0_bias", randn(g, 3))
    y = g.op("Convolution", "conv0", [x, w, b], {"kernel": (3, 3), "num_filter": 3, "pad": (1, 1)})
    bn = [g.arg("bn0_gamma", positive(g, 3)), g.arg("bn0_beta", randn(g, 3)),
          g.aux("bn0_moving_mean", randn(g, 3)), g.aux("bn0_moving_var", positive(g, 3))]
    y = g.op("BatchNorm", "bn0", [y, *bn], {"fix_gamma": False})
    g.heads = [g.op("Activation", "relu0", [y], {"act_type": "relu"})]


@case("legacy_params_fc_prelu", legacy_params=True)
def _(g):
    x = g.input("data", randn(g, 2, 3, 2))
    w = g.arg("fc0_weight", randn(g, 4, 6))
    b = g.arg("fc0_bias", randn(g, 4))
    y = g.op("FullyConnected", "fc0", [x, w, b], {"num_hidden": 4})
    gamma = g.arg("prelu0_gamma", g.rng.uniform(0.05, 0.5, 4).astype(np.float32))
    g.heads = [g.op("LeakyReLU", "prelu0", [y, gamma], {"act_type": "prelu"})]


# --- refused ------------------------------------------------------------------------------------
@rejected("reject_custom_op", "NCC_UNSUPPORTED_OP")
def _(g):
    # a Python-defined operator: no mapping can exist
    x = g.input("data", randn(g, 2, 3))
    y = g.op("Activation", "relu0", [x], {"act_type": "relu"})
    g.heads = [g.op("Custom", "custom0", [y], {"op_type": "my_softmax"})]


@rejected("reject_truncated_params", "NCC_BAD_MODEL", truncate=lambda blob: len(blob) // 2)
def _(g):
    # the file ends inside the weight's data
    x = g.input("data", randn(g, 1, 3, 4, 4))
    w = g.arg("conv0_weight", randn(g, 4, 3, 3, 3))
    b = g.arg("conv0_bias", randn(g, 4))
    g.heads = [g.op("Convolution", "conv0", [x, w, b], {"kernel": (3, 3), "num_filter": 4})]


def main():
    os.makedirs(OUT, exist_ok=True)
    names = [c["name"] for c in CASES]
    assert len(set(names)) == len(names), "duplicate case names"
    for f in os.listdir(OUT):
        os.remove(os.path.join(OUT, f))
    for c in CASES:
        emit(c)
    size = sum(os.path.getsize(os.path.join(OUT, f)) for f in os.listdir(OUT))
    print(f"{len(CASES)} cases, {len(os.listdir(OUT))} files, {size} bytes in {OUT}")
    for who, ops in USED.items():
        print(f"  {who}: {', '.join(sorted(ops))}")


if __name__ == "__main__":
    main()
