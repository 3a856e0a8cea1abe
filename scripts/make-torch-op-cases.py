"""Writes the PyTorch op-sweep fixtures: one tiny TorchScript module per case (<case>.pt), its
inputs and PyTorch's outputs as .npy files, and <case>.json naming them with the io_config to
compile with and the tolerance to compare at. Cases that neuron-cc must refuse carry
"expect_error" (an NccError code) instead of outputs.

    /usr/bin/python3 scripts/make-torch-op-cases.py test/fixtures/torchscript-ops

Every case seeds torch from its name, so re-running rewrites the same files.
"""
import inspect
import json
import os
import sys
import zlib

# TorchScript writes some class members in set order: a fixed string hash keeps the archives stable
if os.environ.get("PYTHONHASHSEED") != "0":
    os.environ["PYTHONHASHSEED"] = "0"
    os.execv(sys.executable, [sys.executable, *sys.argv])

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.mobile_optimizer import optimize_for_mobile

OUT = sys.argv[1] if len(sys.argv) > 1 else "test/fixtures/torchscript-ops"
TIGHT = (1e-5, 1e-5)
LOOSE = (1e-4, 1e-4)
CASES = []


# Input makers, called after the case's seed.
def T(*shape):
    return lambda: torch.randn(*shape)


def P(*shape):
    """Positive floats (log, sqrt, pow bases)."""
    return lambda: torch.rand(*shape) + 0.5


def I(*shape, lo=-4, hi=5, dtype=torch.int64):
    return lambda: torch.randint(lo, hi, shape, dtype=dtype)


def B(*shape):
    return lambda: torch.rand(*shape) > 0.5


def add(name, make, tol, error, inputs):
    """make(args) -> a ScriptModule; it runs after torch is seeded from the name, as do the inputs."""
    CASES.append(dict(name=name, make=make, tol=tol, error=error, inputs=inputs))


def case(name, fn, tol=TIGHT, mods=None, setup=None, error=None, **inputs):
    """Traced: fn(m, <inputs...>) is forward; mods become submodules of m (weights stay parameters)."""
    names = list(inspect.signature(fn).parameters)[1:]
    ns = {}
    exec(f"def forward(self, {', '.join(names)}):\n    return self.fn(self, {', '.join(names)})", ns)
    cls = type("Case_" + name, (nn.Module,), {"forward": ns["forward"]})

    def make(args):
        m = cls()
        m.fn = fn
        for k, v in (mods or {}).items():
            setattr(m, k, v() if not isinstance(v, nn.Module) else v)
        if setup:
            setup(m)
        return torch.jit.trace(m.eval(), tuple(args.values()), check_trace=False)

    add(name, make, tol, error, inputs)


def layers(name, tol=LOOSE, setup=None, x=None, **mods):
    """Each module (built by mods' makers) applied to the one input x."""
    keys = list(mods)
    case(name, lambda m, x: tuple(getattr(m, k)(x) for k in keys), tol, mods=mods, setup=setup, x=x)


def script(name, cls, tol=TIGHT, error=None, **inputs):
    assert list(inspect.signature(cls.forward).parameters)[1:] == list(inputs), name
    add(name, lambda args: torch.jit.script(cls().eval()), tol, error, inputs)


def leaves(v, name, into):
    if isinstance(v, (tuple, list)):
        for i, x in enumerate(v):
            leaves(x, f"{name}_{i}", into)
    else:
        into.append((name, v))


def save(t, name, meta_files):
    meta_files[name.split(".")[-1]] = name + ".npy"
    np.save(os.path.join(OUT, name + ".npy"), np.array(t.detach().numpy(), order="C"))


def write(c):
    name = c["name"]
    torch.manual_seed(zlib.crc32(name.encode()))
    args = {k: make() for k, make in c["inputs"].items()}
    path = os.path.join(OUT, f"{name}.pt")
    with torch.no_grad():
        torch.jit.save(c["make"](args), path)
    meta = {"io_config": {"inputs": {}}, "inputs": {}}
    for k, t in args.items():
        meta["io_config"]["inputs"][k] = [list(t.shape), str(t.dtype).replace("torch.", "")]
        save(t, f"{name}.{k}", meta["inputs"])
    if c["error"]:
        meta["expect_error"] = c["error"]
    else:
        # the reference is what the saved archive computes once loaded back, as neuron-cc reads it
        with torch.no_grad():
            result = torch.jit.load(path)(*[t.clone() for t in args.values()])
        many = isinstance(result, (tuple, list))
        outs = []
        for i, x in enumerate(result if many else [result]):
            leaves(x, f"output_{i}" if many else "output", outs)
        meta["outputs"] = {}
        for k, t in outs:
            save(t, f"{name}.{k}", meta["outputs"])
        meta["tolerance"] = {"atol": c["tol"][0], "rtol": c["tol"][1]}
    with open(os.path.join(OUT, f"{name}.json"), "w") as f:
        f.write(to_json(meta) + "\n")


def to_json(v, indent=""):
    """JSON as prettier writes it: objects one key a line, the (short) arrays on one line."""
    if isinstance(v, dict):
        inner = indent + "  "
        items = [f"{inner}{json.dumps(k)}: {to_json(x, inner)}" for k, x in v.items()]
        return "{\n" + ",\n".join(items) + "\n" + indent + "}"
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(to_json(x, indent) for x in v) + "]"
    if isinstance(v, float):
        return repr(v).replace("e-0", "e-")
    return json.dumps(v)


# --- arithmetic and type promotion -------------------------------------------------------------
case("add_tensors", lambda m, x, y: x + y, x=T(2, 3), y=T(2, 3))
case("add_alpha_broadcast", lambda m, x, y: torch.add(x, y, alpha=2), x=T(2, 3), y=T(3))
case("add_int64_scalar", lambda m, a: a + 2, a=I(2, 3))
case("add_int64_float_promotes", lambda m, a, y: a + y, a=I(2, 3), y=T(2, 3))
case("add_int64_pyfloat", lambda m, a: a + 1.5, a=I(2, 3))
case("add_int32_int64_promotes", lambda m, a, b: a + b, a=I(2, 3, dtype=torch.int32), b=I(2, 3))
case("add_float_0d_tensor_keeps_float", lambda m, x, s: x + s, x=T(2, 3), s=lambda: torch.tensor(2.5))
case("add_int_0d_float_promotes", lambda m, a, s: a * s, a=I(2, 3), s=lambda: torch.tensor(0.5))
case("sub_alpha", lambda m, x, y: torch.sub(x, y, alpha=0.5), x=T(2, 3), y=T(2, 3))
case("rsub_scalar_and_alpha", lambda m, x, y: (1 - x, torch.rsub(x, y, alpha=3)), x=T(2, 3), y=T(2, 3))
case("mul_scalar_and_bool", lambda m, x, k: (x * 3.0, x * k), x=T(2, 3), k=B(2, 3))
case("div_true", lambda m, x, y: x / y, x=T(2, 3), y=P(2, 3))
case("div_int_gives_float", lambda m, a, b: (a / b, a / 2, a * 0.5), a=I(2, 3), b=I(2, 3, lo=1, hi=4))
case("div_trunc_float", lambda m, x, y: torch.div(x, y, rounding_mode="trunc"), x=T(2, 4), y=T(2, 4))
case("div_floor_int_negative", lambda m, a, b: torch.div(a, b, rounding_mode="floor"),
     a=I(3, 4, lo=-9, hi=9), b=lambda: torch.tensor([[2, -3, 4, -1]] * 3))
case("div_trunc_int_negative", lambda m, a: torch.div(a, 3, rounding_mode="trunc"), a=I(3, 4, lo=-9, hi=9))
case("floor_divide_float_and_int", lambda m, x, a: (x // 0.7, a // 3), x=T(2, 4), a=I(2, 4, lo=-9, hi=9))
case("remainder_float_and_int", lambda m, x, a: (x % 0.7, a % 3, torch.remainder(a, -4)),
     x=T(2, 4), a=I(2, 4, lo=-9, hi=9))
case("pow_scalar_exponent", lambda m, x: x ** 2, x=T(2, 3))
case("pow_tensor_exponent", lambda m, x, y: torch.pow(x, y), x=P(2, 3), y=T(2, 3))
case("pow_scalar_base", lambda m, x: 2 ** x, x=T(2, 3))
case("pow_int", lambda m, a: a ** 2, a=I(2, 3))

# --- comparisons and logic ---------------------------------------------------------------------
case("compare_tensors", lambda m, x, y: (x == y, x != y, x < y, x <= y, x > y, x >= y),
     x=I(2, 4, lo=0, hi=3), y=I(2, 4, lo=0, hi=3))
case("compare_scalars", lambda m, x: (x > 0.1, x <= -0.2, x == 0, x != 1), x=T(2, 4))
case("compare_int_with_float", lambda m, a: (a > 0.5, torch.lt(a, 1.5)), a=I(2, 4))
case("logical_ops", lambda m, p, q: (torch.logical_not(p), torch.logical_and(p, q), torch.logical_or(p, q), ~p),
     p=B(2, 4), q=B(2, 4))
case("bool_arithmetic", lambda m, p, q: (p + q, p * q, p * 2, p + 0.5), p=B(2, 3), q=B(2, 3))
case("logical_of_floats", lambda m, x, y: (torch.logical_and(x, y), torch.logical_not(x)),
     x=lambda: torch.tensor([[0.0, 1.5, 0.0, -2.0]]), y=lambda: torch.tensor([[1.0, 0.0, 0.0, 3.0]]))

# --- unary math and activations ----------------------------------------------------------------
case("neg_abs_sign", lambda m, x, a: (-x, x.abs(), torch.sign(x), -a, a.abs()), x=T(2, 4), a=I(2, 4))
case("exp_log_sqrt", lambda m, x: (torch.exp(x), torch.log(x), torch.sqrt(x), torch.rsqrt(x)), x=P(2, 4))
case("reciprocal_erf", lambda m, x: (torch.reciprocal(x), torch.erf(x)), x=P(2, 4))
case("sin_cos", lambda m, x: (torch.sin(x), torch.cos(x)), x=T(2, 4))
case("floor_ceil_round", lambda m, x: (torch.floor(x), torch.ceil(x), torch.round(x)),
     x=lambda: torch.tensor([[-2.5, -1.5, -0.5, 0.5], [1.5, 2.5, 0.49, -0.51]]))
case("rounding_ints_and_decimals", lambda m, x, a: (torch.round(x * 10, decimals=2), torch.round(x * 1000, decimals=-2),
     torch.floor(a), torch.ceil(a), torch.round(a), torch.sign(a)), x=T(2, 4), a=I(2, 3))
case("unary_of_int_promotes", lambda m, a: (torch.exp(a), torch.sigmoid(a), torch.sqrt(a.abs())),
     a=I(2, 4))
case("sigmoid_tanh", lambda m, x: (torch.sigmoid(x), torch.tanh(x)), x=T(2, 4))
case("relu_and_relu_", lambda m, x: (torch.relu(x), F.relu(x * 2, inplace=True)), x=T(2, 4))
case("relu_int", lambda m, a: torch.relu(a), a=I(2, 4))
case("silu", lambda m, x: F.silu(x), x=T(2, 4))
case("gelu_exact_and_tanh", lambda m, x: (F.gelu(x), F.gelu(x, approximate="tanh")), x=T(2, 4))
case("hardswish_hardsigmoid", lambda m, x: (F.hardswish(x), F.hardsigmoid(x)), x=lambda: torch.randn(2, 8) * 4)
case("relu6_hardtanh", lambda m, x: (F.relu6(x), F.hardtanh(x, -0.5, 0.25)), x=lambda: torch.randn(2, 8) * 4)
case("leaky_relu_elu_selu", lambda m, x: (F.leaky_relu(x, 0.2), F.elu(x, alpha=0.7), F.selu(x)), x=T(2, 4))
case("softplus", lambda m, x: (F.softplus(x), F.softplus(x, beta=2.0), F.softplus(x * 30, beta=1.0)), x=T(2, 4))
case("mish", lambda m, x: F.mish(x), x=T(2, 4))
case("prelu_shared_and_per_channel", lambda m, x: (m.one(x), m.per(x), m.per(x[:, :, 0, 0])), x=T(2, 3, 2, 2),
     mods={"one": lambda: nn.PReLU(), "per": lambda: nn.PReLU(3)},
     setup=lambda m: m.per.weight.data.copy_(torch.tensor([0.1, -0.3, 0.7])))
case("clamp_both_min_max", lambda m, x: (x.clamp(-0.5, 0.5), x.clamp(min=0.1), x.clamp(max=0.2)), x=T(2, 4))
case("clamp_tensor_bounds", lambda m, x, lo, hi: torch.clamp(x, lo, hi), x=T(2, 4), lo=lambda: -torch.rand(4),
     hi=lambda: torch.rand(2, 1))
case("clamp_int", lambda m, a: (a.clamp(-2, 3), torch.clip(a, min=0), a.clamp(0.5, 2.5), a.clamp_min(1.5)), a=I(2, 4))
case("clamp_min_max_methods", lambda m, x: (x.clamp_min(0.1), x.clamp_max(-0.1)), x=T(2, 4))

# --- selection, dtype conversion, identities ---------------------------------------------------
case("where_broadcast", lambda m, c, x: torch.where(c, x, torch.zeros(1)), c=B(2, 1, 3), x=T(2, 4, 3))
case("where_scalars", lambda m, c: (torch.where(c, 1.0, 0.0), torch.where(c, 2, 0)), c=B(2, 3))
case("where_int_and_float", lambda m, c, a, y: (torch.where(c, a, y), torch.where(c, a, 0.5)),
     c=B(2, 3), a=I(2, 3), y=T(2, 3))
case("masked_fill_broadcast", lambda m, x, k: x.masked_fill(k, -1e4), x=T(2, 3, 4), k=B(1, 4))
case("masked_fill_neg_inf", lambda m, x, k: F.softmax(x.masked_fill(k, float("-inf")), -1), x=T(2, 4),
     k=lambda: torch.tensor([[False, True, False, True], [True, False, False, False]]))
case("masked_fill_int_and_inplace", lambda m, a, k: (a.masked_fill(k, 7), a.clone().masked_fill_(k, -1)),
     a=I(2, 4), k=B(2, 4))
case("to_dtypes", lambda m, x, a: (x.to(torch.int64), a.float(), x.to(a), a.to(torch.float64), x > 0),
     x=lambda: torch.randn(2, 4) * 5, a=I(2, 4))
case("to_bool_and_back", lambda m, x: (x.bool(), x.bool().int(), x.long().to(torch.int32)),
     x=lambda: torch.tensor([[0.0, 1.5, -2.7, 0.0]]))
case("to_device_and_layout", lambda m, x: (x.to("cpu"), x.to(torch.device("cpu"), torch.float64), x.type(torch.int32)),
     x=lambda: torch.randn(2, 3) * 3)
case("type_as", lambda m, a, x: a.type_as(x) + x, a=I(2, 3), x=T(2, 3))
case("identities", lambda m, x: (x.detach() + 1, x.t().contiguous(), x.clone() * 2, m.drop(x),
     m.fdrop(x.view(1, 2, 3, 1)), m.adrop(x)), x=T(2, 3),
     mods={"drop": nn.Dropout(0.5), "fdrop": nn.Dropout2d(0.5), "adrop": nn.AlphaDropout(0.5)})
case("tensor_literal", lambda m, x: x * torch.tensor([1.0, 2.0, 3.0]) + torch.tensor(1), x=T(2, 3))


def inplace_chain(m, x, y):
    z = x.clone()
    z.add_(y).mul_(2).sub_(0.5, alpha=2).div_(3)
    w = y.clone().sigmoid_().tanh_().exp_().neg_().floor_()
    v = x.clone().abs().sqrt_().pow_(2).clamp_(0.1, 1.0).clamp_min_(0.2).clamp_max_(0.9)
    u = y.clone().relu_()
    t = F.silu(x.clone(), inplace=True), F.hardtanh(y.clone(), inplace=True), F.elu(y.clone(), inplace=True)
    s = F.leaky_relu(x.clone(), 0.3, True), F.hardswish(x.clone(), True), F.relu6(x.clone() * 9, True)
    return z, w, v, u, t[0], t[1], t[2], s[0], s[1], s[2], F.hardsigmoid(x.clone(), inplace=True)


case("inplace_chain", inplace_chain, x=T(2, 4), y=T(2, 4))


def inplace_on_view(m, x):
    y = x.clone()
    y[0].mul_(2)
    return y


case("inplace_on_view", inplace_on_view, x=T(2, 3))


def slice_assign(m, x):
    y = x.clone()
    y[:, 0] = 0
    y[1, 1:] = x[0, 1:] * 2
    return y


def inplace_on_strided_view(m, x):
    y = x.clone()
    y.view(-1)[::3].add_(1)
    y.t()[1].mul_(-1)
    return y


def inplace_masked_fill_on_view(m, x, k):
    s = x.clone()
    s.view(2, 3, 2).masked_fill_(k, -1.0e4)
    return s.softmax(-1)


case("slice_assign", slice_assign, x=T(3, 4))
case("inplace_on_strided_view", inplace_on_strided_view, x=T(3, 4))
case("inplace_masked_fill_on_view", inplace_masked_fill_on_view, x=T(2, 6), k=B(2, 3, 2))
case("inplace_int_add", lambda m, a: a.clone().add_(3).mul_(2), a=I(2, 3))

# --- recurrent layers (aten::lstm / aten::gru, flat parameter lists) ------------------------------
layers("lstm_single", r=lambda: nn.LSTM(4, 8), x=T(5, 2, 4))
layers("lstm_no_bias", r=lambda: nn.LSTM(3, 4, bias=False), x=T(3, 1, 3))
layers("lstm_stacked_bidirectional_batch_first", r=lambda: nn.LSTM(3, 5, num_layers=2, bidirectional=True, batch_first=True),
       x=T(2, 6, 3))
layers("gru_single", r=lambda: nn.GRU(4, 6), x=T(5, 1, 4))
layers("gru_stacked_bidirectional", r=lambda: nn.GRU(3, 4, num_layers=2, bidirectional=True), x=T(4, 2, 3))

# --- convolutions -----------------------------------------------------------------------------
layers("conv2d_basic", c=lambda: nn.Conv2d(3, 4, 3), x=T(1, 3, 5, 5))
layers("conv2d_stride_pad_nobias", c=lambda: nn.Conv2d(3, 4, 3, stride=2, padding=1, bias=False), x=T(2, 3, 6, 7))
layers("conv2d_dilation_asym", c=lambda: nn.Conv2d(2, 3, (2, 3), stride=(1, 2), padding=(2, 1), dilation=(2, 1)),
       x=T(1, 2, 6, 7))
layers("conv2d_groups_depthwise", g=lambda: nn.Conv2d(4, 6, 3, groups=2),
       dw=lambda: nn.Conv2d(4, 4, 3, padding=1, groups=4), x=T(1, 4, 5, 5))
layers("conv2d_padding_same_valid", s=lambda: nn.Conv2d(2, 3, (2, 3), padding="same"),
       v=lambda: nn.Conv2d(2, 3, 3, padding="valid"), x=T(1, 2, 5, 6))
layers("conv2d_unbatched", c=lambda: nn.Conv2d(2, 3, 3, padding=1), x=T(2, 4, 4))
layers("conv1d", c=lambda: nn.Conv1d(3, 4, 3, stride=2, padding=1), x=T(2, 3, 9))
layers("conv3d", c=lambda: nn.Conv3d(2, 3, 2, padding=(1, 0, 0)), x=T(1, 2, 3, 4, 4))
layers("conv_transpose2d_output_padding", c=lambda: nn.ConvTranspose2d(3, 2, 3, stride=2, padding=1, output_padding=1),
       x=T(1, 3, 4, 4))
layers("conv_transpose2d_groups_dilation",
       c=lambda: nn.ConvTranspose2d(4, 6, 3, stride=2, groups=2, dilation=2, bias=False), x=T(1, 4, 3, 3))
layers("conv_transpose1d", c=lambda: nn.ConvTranspose1d(3, 2, 4, stride=3, padding=1), x=T(2, 3, 5))


class ScriptedConvs(nn.Module):
    def __init__(self):
        super().__init__()
        self.w1 = nn.Parameter(torch.randn(4, 3, 3))
        self.w2 = nn.Parameter(torch.randn(4, 2, 3, 3))
        self.w3 = nn.Parameter(torch.randn(2, 3, 2, 2, 2))
        self.wt = nn.Parameter(torch.randn(4, 3, 3, 3))
        self.b = nn.Parameter(torch.randn(4))

    def forward(self, x1, x2, x3):
        a = torch.conv1d(x1, self.w1, self.b, stride=2, padding=1)
        b = torch.conv2d(x2, self.w2, self.b, 1, 1, 1, 2)
        c = F.conv3d(x3, self.w3)
        d = F.conv_transpose2d(b, self.wt, None, stride=2, padding=1, output_padding=1)
        return a, b, c, d


script("conv_ops_scripted", ScriptedConvs, LOOSE, x1=T(1, 3, 8), x2=T(1, 4, 5, 5), x3=T(1, 3, 3, 3, 3))

# --- matrix products --------------------------------------------------------------------------
case("linear_1d_2d", lambda m, x: (m.l(x), m.l(x[0])), LOOSE, mods={"l": lambda: nn.Linear(4, 3)}, x=T(2, 4))
layers("linear_3d_nobias", l=lambda: nn.Linear(4, 3), n=lambda: nn.Linear(4, 5, bias=False), x=T(2, 3, 4))
case("addmm_beta_alpha", lambda m, b, x, w: (torch.addmm(b, x, w, beta=0.5, alpha=2), torch.addmm(b, x, w)),
     LOOSE, b=T(3), x=T(2, 4), w=T(4, 3))
case("matmul_shapes", lambda m, a, b, c, v: (a @ b, c @ b, torch.matmul(c, c.transpose(1, 2)), a @ v, v @ b, v @ v),
     LOOSE, a=T(3, 4), b=T(4, 5), c=T(2, 3, 4), v=T(4))
case("matmul_broadcast_batch", lambda m, a, b: torch.matmul(a, b), LOOSE, a=T(2, 1, 3, 4), b=T(3, 4, 2))
case("mm_bmm", lambda m, a, b, c, d: (torch.mm(a, b), torch.bmm(c, d)), LOOSE,
     a=T(3, 4), b=T(4, 2), c=T(2, 3, 4), d=T(2, 4, 2))
case("einsum_equations", lambda m, a, b, q, k: (torch.einsum("bij,bjk->bik", a, b), torch.einsum("ij->ji", a[0]),
     torch.einsum("bhqd, bhkd -> bhqk", q, k), torch.einsum("i,i->", a[0, 0], a[1, 0]),
     torch.einsum("...ij,...jk->...ik", a, b), torch.einsum("ij,jk", a[0], b[0])), LOOSE,
     a=T(2, 3, 4), b=T(2, 4, 2), q=T(1, 2, 3, 4), k=T(1, 2, 5, 4))

# --- normalization and softmax ----------------------------------------------------------------


def bn_stats(*names):
    def setup(m):
        for n in names:
            bn = getattr(m, n)
            bn.running_mean.copy_(torch.randn(bn.num_features) * 0.3)
            bn.running_var.copy_(torch.rand(bn.num_features) + 0.5)
            if bn.affine:
                bn.weight.data.copy_(torch.randn(bn.num_features))
                bn.bias.data.copy_(torch.randn(bn.num_features))
    return setup


layers("batch_norm_2d", a=lambda: nn.BatchNorm2d(3), n=lambda: nn.BatchNorm2d(3, affine=False),
       setup=bn_stats("a", "n"), x=T(2, 3, 3, 3))
case("batch_norm_1d", lambda m, x, y: (m.a(x), m.a(y)), LOOSE, mods={"a": lambda: nn.BatchNorm1d(4, eps=1e-3)},
     setup=bn_stats("a"), x=T(3, 4), y=T(2, 4, 5))
case("layer_norm_variants", lambda m, x: (m.a(x), m.b(x), m.n(x), F.layer_norm(x, (4,), m.a.weight, None, 1e-3)),
     LOOSE, mods={"a": lambda: nn.LayerNorm(4), "b": lambda: nn.LayerNorm([3, 4]),
                  "n": lambda: nn.LayerNorm(4, elementwise_affine=False)},
     setup=lambda m: (m.a.weight.data.normal_(), m.a.bias.data.normal_(), m.b.weight.data.normal_()), x=T(2, 3, 4))
case("group_norm", lambda m, x, y: (m.a(x), m.n(x), m.a(y)), LOOSE,
     mods={"a": lambda: nn.GroupNorm(2, 4), "n": lambda: nn.GroupNorm(4, 4, affine=False)},
     setup=lambda m: (m.a.weight.data.normal_(), m.a.bias.data.normal_()), x=T(2, 4, 3, 2), y=T(2, 4, 5))
case("softmax_dims", lambda m, x: (F.softmax(x, dim=-1), torch.softmax(x, 1), F.softmax(x, dim=0, dtype=torch.float64)),
     x=T(2, 3, 4))
case("log_softmax", lambda m, x: (F.log_softmax(x, dim=1), F.log_softmax(x, -1, dtype=torch.float32)), x=T(2, 3, 4))
case("softmax_of_int_with_dtype", lambda m, a: F.softmax(a, dim=-1, dtype=torch.float32), a=I(2, 4))

# --- pooling and resizing ---------------------------------------------------------------------
case("max_pool2d_variants", lambda m, x: (F.max_pool2d(x, 2), F.max_pool2d(x, 3, 2, 1),
     F.max_pool2d(x, 2, ceil_mode=True), F.max_pool2d(x, 2, 1, dilation=2), F.max_pool2d(x, (2, 3), (1, 2))),
     x=T(1, 2, 5, 7))
case("max_pool1d", lambda m, x: (F.max_pool1d(x, 2), F.max_pool1d(x, 3, 2, 1, ceil_mode=True)), x=T(2, 3, 7))
case("avg_pool2d_variants", lambda m, x: (F.avg_pool2d(x, 2), F.avg_pool2d(x, 3, 2, 1),
     F.avg_pool2d(x, 3, 2, 1, count_include_pad=False), F.avg_pool2d(x, 2, ceil_mode=True),
     F.avg_pool2d(x, 3, 2, 1, ceil_mode=True, count_include_pad=False), F.avg_pool2d(x, 3, 2, 1, ceil_mode=True)),
     x=T(1, 2, 5, 7))
case("avg_pool1d", lambda m, x: (F.avg_pool1d(x, 3), F.avg_pool1d(x, 3, 2, 1, count_include_pad=False)), x=T(2, 3, 7))
case("avg_pool2d_divisor_override", lambda m, x: F.avg_pool2d(x, 2, divisor_override=3), x=T(1, 2, 4, 4))
case("adaptive_avg_pool", lambda m, x: (F.adaptive_avg_pool2d(x, 1), F.adaptive_avg_pool2d(x, (2, 3)),
     F.adaptive_avg_pool1d(x[:, :, 0], 2), F.adaptive_avg_pool2d(x, (None, 2))), x=T(2, 3, 4, 6))
case("adaptive_max_pool2d", lambda m, x: (F.adaptive_max_pool2d(x, 1), F.adaptive_max_pool2d(x, (2, 3))),
     x=T(1, 3, 4, 6))
case("adaptive_pool_uneven", lambda m, x: (F.adaptive_avg_pool2d(x, (3, 4)), F.adaptive_avg_pool1d(x[0], 3),
     F.adaptive_max_pool2d(x, (2, 5)), F.adaptive_avg_pool2d(x, (5, 3))), x=T(1, 2, 5, 7))
case("upsample_nearest_scale_and_size", lambda m, x: (F.interpolate(x, scale_factor=2), F.interpolate(x, size=(5, 7)),
     nn.Upsample(scale_factor=(1, 3))(x)), x=T(1, 2, 3, 4))
case("upsample_nearest_fractional_scale", lambda m, x: F.interpolate(x, scale_factor=1.5), x=T(1, 2, 5, 3))
case("upsample_nearest1d", lambda m, x: (F.interpolate(x, scale_factor=2), F.interpolate(x, size=7)), x=T(1, 2, 4))
case("upsample_bilinear", lambda m, x: (F.interpolate(x, scale_factor=2, mode="bilinear"),
     F.interpolate(x, size=(5, 7), mode="bilinear", align_corners=True),
     F.interpolate(x, size=(2, 3), mode="bilinear")), x=T(1, 2, 3, 4))
case("upsample_bilinear_fractional_scale", lambda m, x: (F.interpolate(x, scale_factor=1.5, mode="bilinear"),
     F.interpolate(x, scale_factor=1.5, mode="bilinear", align_corners=True)), x=T(1, 2, 5, 3))
case("embedding", lambda m, i: (m.e(i), m.p(i)), i=I(2, 3, lo=0, hi=10),
     mods={"e": lambda: nn.Embedding(10, 4), "p": lambda: nn.Embedding(10, 3, padding_idx=0)})
case("embedding_functional_int32", lambda m, i, w: F.embedding(i, w), i=I(2, 2, lo=0, hi=6, dtype=torch.int32),
     w=T(6, 2))

# --- shapes ------------------------------------------------------------------------------------
case("view_reshape", lambda m, x: (x.view(-1, 4), x.reshape(4, 2, -1), x.view(x.size(0), -1), torch.reshape(x, (24,))),
     x=T(2, 3, 4))
case("view_as_reshape_as", lambda m, x, y: (x.view_as(y), x.reshape_as(y) + y), x=T(2, 6), y=T(3, 4))
case("flatten_variants", lambda m, x: (torch.flatten(x), x.flatten(1), x.flatten(-2), x.flatten(0, 1), nn.Flatten()(x)),
     x=T(2, 3, 2, 2))
case("permute_transpose", lambda m, x: (x.permute(2, 0, 1), x.permute(-1, -3, -2), x.transpose(0, 2),
     x.transpose(-1, -2), torch.swapaxes(x, 0, 1), x[0].t(), x.mT, x.T), x=T(2, 3, 4))
case("unsqueeze_squeeze", lambda m, x: (x.unsqueeze(0), x.unsqueeze(-1), x.squeeze(), x.squeeze(1), x.squeeze(0),
     x.squeeze(-1)), x=T(2, 1, 3, 1))
case("expand_variants", lambda m, x, y: (x.expand(2, 3, 4), x.expand(-1, 4), x.expand(2, -1, -1), x.expand_as(y)),
     x=T(3, 1), y=T(2, 3, 5))
case("repeat_more_dims", lambda m, x: (x.repeat(2, 1), x.repeat(2, 1, 3), x.repeat(1, 1, 1, 2)), x=T(2, 3))
case("cat_dims_and_promotion", lambda m, x, y, a: (torch.cat([x, y], 0), torch.cat((x, x), -1), torch.cat([x, a], 1),
     torch.cat([x, torch.zeros(0)], 0)), x=T(2, 3), y=T(1, 3), a=I(2, 2))
case("stack_dims", lambda m, x, y, a: (torch.stack([x, y]), torch.stack([x, y], -1), torch.stack((x, y, x), 1),
     torch.stack([x, a])), x=T(2, 3), y=T(2, 3), a=I(2, 3))
case("chunk_uneven", lambda m, x: x.chunk(3, 1) + x.chunk(4, -1) + x.chunk(2, 0), x=T(2, 7))
case("split_sizes", lambda m, x: x.split(3, 1) + x.split([2, 5], dim=1) + torch.split(x, 1), x=T(2, 7))
case("unbind", lambda m, x: x.unbind(1), x=T(2, 3, 2))
case("slice_bounds_and_steps", lambda m, x: (x[:, 1:3], x[:, -2:], x[:, :-1], x[:, 2:100], x[:, ::2], x[1:, 1::3],
     x[:, -100:2], x[..., 5:9]), x=T(3, 8))
case("select_and_index", lambda m, x: (x[0], x[:, -1], x[1, 2], x[:, None, 1], x.select(1, 2)), x=T(3, 4))
case("narrow", lambda m, x: (x.narrow(1, 1, 2), x.narrow(0, -2, 2), torch.narrow(x, -1, 0, 1)), x=T(3, 4))
case("index_select", lambda m, x, i: (x.index_select(1, i), torch.index_select(x, 0, i[:2]), x.index_select(-1, i)),
     x=T(3, 4), i=lambda: torch.tensor([2, 0, 2]))
case("broadcast_tensors", lambda m, x, y: torch.broadcast_tensors(x, y), x=T(3, 1), y=T(2, 1, 4))
case("size_arithmetic_traced", lambda m, x: x.view(x.size(0) * x.size(1), x.size(2) // 2, -1), x=T(2, 3, 4))

# --- reductions -------------------------------------------------------------------------------
case("mean_variants", lambda m, x: (x.mean(), x.mean(1), x.mean((1, 2), keepdim=True), x.mean(-1, True),
     torch.mean(x, dim=[0, -1])), x=T(2, 3, 4))
case("mean_int_with_dtype", lambda m, a: a.mean(dtype=torch.float32), a=I(2, 3))
case("sum_variants", lambda m, x, a, k: (x.sum(), x.sum(-1), x.sum((0, 2), keepdim=True), a.sum(), a.sum(1), k.sum(),
     k.sum(0), a.sum(dtype=torch.float32)), x=T(2, 3, 4), a=I(2, 3), k=B(2, 3))
case("sum_int32_gives_int64", lambda m, a: (a.sum(), a.sum(0, keepdim=True)), a=I(2, 3, dtype=torch.int32))
case("prod", lambda m, x, a: (x.prod(), x.prod(1), x.prod(-1, keepdim=True), a.prod(1)), x=P(2, 3), a=I(2, 3))
case("amax_amin", lambda m, x: (x.amax(), x.amax((0, 2)), x.amin(-1, keepdim=True), torch.amin(x, 1)), x=T(2, 3, 4))
case("max_min_reduce_all_and_dim", lambda m, x: (x.max(), x.min(), x.max(1)[0], x.max(1)[1], x.min(-1, keepdim=True)[0],
     x.min(-1, keepdim=True)[1], torch.max(x, 0).values), x=T(3, 4))
case("max_min_elementwise", lambda m, x, y, a: (torch.max(x, y), torch.min(x, y), torch.maximum(x, y),
     torch.minimum(a, x), torch.max(a, y)), x=T(2, 3), y=T(2, 3), a=I(2, 3))
case("argmax_argmin", lambda m, x: (x.argmax(), x.argmax(1), x.argmax(-1, keepdim=True), x.argmin(), torch.argmin(x, 0),
     x.argmax(keepdim=True)),
     x=T(3, 4))
case("cumsum", lambda m, x, a, k: (x.cumsum(1), x.cumsum(-1), a.cumsum(0), torch.cumsum(a, 1, dtype=torch.float32),
     k.cumsum(1)), x=T(2, 4), a=I(2, 4), k=B(2, 4))

# --- creation inside forward ------------------------------------------------------------------
case("zeros_ones_full", lambda m, x: (x + torch.zeros(2, 3), x * torch.ones(3), torch.full((2, 3), 1.5) - x,
     torch.full((2, 1), 7), torch.zeros(2, dtype=torch.int64), torch.ones(x.size(0), 2, dtype=torch.bool)), x=T(2, 3))
case("like_and_new", lambda m, x, a: (torch.zeros_like(x), torch.ones_like(a), torch.full_like(x, 3.5),
     torch.ones_like(x, dtype=torch.int64), x.new_zeros(2, 2), a.new_ones((3,)), torch.full_like(a, 2) + a),
     x=T(2, 3), a=I(2, 3))
case("arange_variants", lambda m, x: (torch.arange(5), torch.arange(1, 7, 2), torch.arange(0, 1, 0.25),
     torch.arange(4, dtype=torch.float32) * x, torch.arange(x.size(1))), x=T(2, 4))
case("scalar_tensor_in_trace", lambda m, x: x * torch.scalar_tensor(2.0) + torch.tensor(0.5), x=T(2, 3))

# --- scripted control flow and TorchScript's own spellings ------------------------------------


class LoopOverBatch(nn.Module):
    def forward(self, x):
        acc = torch.zeros(x.size(1), x.size(2))
        for i in range(x.size(0)):
            acc = acc + x[i] * float(i + 1)
        return acc


class IfOnShape(nn.Module):
    def forward(self, x, y):
        if x.size(-1) > 3:
            z = x[..., :3] + y
        else:
            z = x - y
        if x.dim() == 2:
            z = z.unsqueeze(0)
        return z


class ScriptedOps(nn.Module):
    def forward(self, x, a):
        n = x.size(0)
        y = torch.reshape(x, [n, -1])
        y = torch.softmax(y, dim=-1) + torch.add(y, 1.0, alpha=2)
        y += 1
        z = torch.cat([y, a.float()], dim=1)
        parts = torch.chunk(z, 2, dim=1)
        w = torch.clamp(parts[0], min=0.0) * torch.sigmoid(parts[1])
        return torch.where(w > 0.5, w, torch.zeros_like(w)), a.max(dim=1)[1], x[:, 1:, ::2].sum(-1)


@torch.jit.script
def gated(x: torch.Tensor, k: int) -> torch.Tensor:
    return torch.tanh(x[..., :k]) * torch.sigmoid(x[..., k:])


class ScriptedHelpers(nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = nn.ModuleList([nn.Linear(6, 6), nn.Linear(6, 6)])
        self.sizes = [2, 4]

    def forward(self, x):
        outs = []
        for layer in self.layers:
            x = gated(layer(x).repeat(1, 2), 6)
            outs.append(x)
        total = 0
        for s in self.sizes:
            total += s
        return torch.stack(outs, 0), x.narrow(1, 0, total // 3)


class ScriptedInterpolate(nn.Module):
    def forward(self, x):
        return F.interpolate(x, scale_factor=2.0), F.interpolate(x, size=[4, 6], mode="bilinear", align_corners=False)


class ScriptedNorms(nn.Module):
    def __init__(self):
        super().__init__()
        self.bn = nn.BatchNorm2d(3)
        self.ln = nn.LayerNorm([4])
        self.gn = nn.GroupNorm(3, 3)
        self.pool = nn.AdaptiveAvgPool2d((1, 1))

    def forward(self, x):
        y = self.ln(self.bn(x))
        return torch.flatten(self.pool(self.gn(y)), 1), F.max_pool2d(y, 2), F.avg_pool2d(y, 2, ceil_mode=True)


class ScriptedCreation(nn.Module):
    def forward(self, x):
        r = torch.arange(x.size(1), dtype=torch.float32)
        s = torch.scalar_tensor(3.0)
        f = torch.full([x.size(0), 1], 2.0)
        t = torch.tensor([1, 2, 3])
        return x * r + s - f, t, torch.ones([2, 2], dtype=torch.int64), x.new_zeros([2])


class ScriptedReductions(nn.Module):
    def forward(self, x):
        values, idx = torch.max(x, dim=1, keepdim=False)
        total = torch.sum(x, dim=[0, 1], keepdim=True)
        return values, idx, total, torch.mean(x, -1), torch.argmax(x), torch.amin(x, dim=[1])


class FunctionalCall(nn.Module):
    def forward(self, x):
        return F.softmax(x, dim=-1)


class ScriptedAliases(nn.Module):
    def __init__(self):
        super().__init__()
        self.w = nn.Parameter(torch.randn(3, 2, 3))

    def forward(self, x, a):
        y = F.conv_transpose1d(x, self.w, stride=2)
        z = torch.concat([torch.clip(y, -0.5, 0.5), torch.true_divide(a, 2)], dim=-1)
        return torch.swapaxes(z, 0, 2), torch.clip(a, max=1)


script("script_loop_over_batch", LoopOverBatch, x=T(3, 2, 4))
script("script_if_on_shape", IfOnShape, x=T(2, 5), y=T(2, 3))
script("script_ops", ScriptedOps, x=T(2, 3, 4), a=I(2, 4))
script("script_helper_functions", ScriptedHelpers, LOOSE, x=T(2, 6))
script("script_interpolate", ScriptedInterpolate, x=T(1, 2, 2, 3))
script("script_norms_and_pools", ScriptedNorms, LOOSE, x=T(2, 3, 4, 4))
script("script_creation", ScriptedCreation, x=T(2, 3))
script("script_reductions", ScriptedReductions, x=T(2, 3, 4))
script("script_aliases", ScriptedAliases, LOOSE, x=T(1, 3, 4), a=I(1, 2, 3))
script("script_functional_call", FunctionalCall, x=T(2, 3))
case("nested_tuple_return", lambda m, x: (x + 1, (x * 2, x - 1)), x=T(2, 3))

# --- mobile-optimized and dynamically quantized -----------------------------------------------


class MobileNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3, stride=2, padding=1)
        self.conv2 = nn.Conv2d(4, 4, 3, padding=1, groups=4)
        self.fc = nn.Linear(4, 3)

    def forward(self, x):
        y = F.hardtanh(self.conv2(torch.relu(self.conv(x))), 0.0, 6.0)
        return self.fc(y.mean([2, 3]))


class DynQuant(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 4)
        self.relu = nn.ReLU()
        self.fc2 = nn.Linear(4, 3)

    def forward(self, x):
        return self.fc2(self.relu(self.fc(x)))


def mobile(args):
    return optimize_for_mobile(torch.jit.script(MobileNet().eval()))


def dynamic_quant(args):
    torch.backends.quantized.engine = "qnnpack"
    fused = torch.ao.quantization.fuse_modules(DynQuant().eval(), [["fc", "relu"]])
    q = torch.ao.quantization.quantize_dynamic(fused, {nn.Linear, torch.ao.nn.intrinsic.LinearReLU}, dtype=torch.qint8)
    return torch.jit.trace(q, tuple(args.values()))


add("mobile_prepacked_conv_linear", mobile, LOOSE, None, {"x": T(1, 3, 6, 6)})
# activations are quantized on the fly in PyTorch; compiled code keeps them float
add("quantized_linear_dynamic", dynamic_quant, (0.05, 0.05), None, {"x": T(2, 8)})

# --- what must be refused ----------------------------------------------------------------------


class RandInForward(nn.Module):
    def forward(self, x):
        return x + torch.rand(2, 3)


class DataDependentIf(nn.Module):
    def forward(self, x):
        if x.sum() > 0:
            return x * 2
        return x


class WhileOnData(nn.Module):
    def forward(self, x):
        while bool(x.abs().max() > 1):
            x = x / 2
        return x


script("reject_rand_in_forward", RandInForward, error="NCC_UNSUPPORTED_OP", x=T(2, 3))
case("reject_randn_like_traced", lambda m, x: x + torch.randn_like(x), error="NCC_UNSUPPORTED_OP", x=T(2, 3))
script("reject_data_dependent_if", DataDependentIf, error="NCC_UNSUPPORTED_CONSTRUCT", x=T(2, 3))
script("reject_while_on_data", WhileOnData, error="NCC_UNSUPPORTED_CONSTRUCT", x=T(2, 3))
case("reject_unmapped_op", lambda m, x, g: F.grid_sample(x, g, align_corners=False), error="NCC_UNSUPPORTED_OP",
     x=T(1, 1, 3, 3), g=lambda: torch.rand(1, 2, 2, 2) * 2 - 1)
case("reject_batch_norm_training", lambda m, x: F.batch_norm(x, None, None, training=True),
     error="NCC_UNSUPPORTED_OP", x=T(2, 3, 2))


def main():
    os.makedirs(OUT, exist_ok=True)
    only = set(sys.argv[2:])
    for c in CASES:
        if not only or c["name"] in only:
            write(c)
    print(f"{len(CASES)} cases in {OUT}")


if __name__ == "__main__":
    main()
