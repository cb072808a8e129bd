"""Module, Parameter and Sequential: registration, names, modes, freezing, state dicts and their errors, repr."""
import numpy as np
import pytest

import minigrad_ae as mg
from minigrad_ae import nn
from minigrad_ae.nn import functional as F


class AE(nn.Module):
    def __init__(self, rng=None):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(6, 4, rng=rng), nn.BatchNorm1d(4), nn.ReLU(), nn.Dropout(0.5, rng=rng))
        self.decoder = nn.Sequential(nn.Linear(4, 6, rng=rng), nn.Sigmoid())
        self.scale = nn.Parameter(np.ones(1))
        self.note = "not registered"

    def forward(self, x):
        return self.decoder(self.encoder(x)) * self.scale


NAMES = ["scale", "encoder.0.weight", "encoder.0.bias", "encoder.1.weight", "encoder.1.bias",
         "decoder.0.weight", "decoder.0.bias"]


def test_parameter_is_a_trainable_tensor_with_its_own_copy():
    data = np.arange(3)
    p = nn.Parameter(data)
    assert isinstance(p, mg.Tensor) and p.requires_grad and p.dtype == np.float32 and p.grad is None
    assert nn.Parameter(np.zeros(2, np.float64)).dtype == np.float64
    f32 = np.zeros(2, np.float32)
    assert not np.shares_memory(nn.Parameter(f32).data, f32)
    assert repr(nn.Parameter([1])) == "Parameter([1.], dtype=float32, requires_grad=True)"
    (p * 2).sum().backward()
    np.testing.assert_array_equal(p.grad, [2, 2, 2])


def test_registration_and_dotted_names():
    model = AE()
    assert [n for n, _ in model.named_parameters()] == NAMES
    assert model.parameters()[0] is model.scale and len(model.parameters()) == 7
    assert model.children() == [model.encoder, model.decoder]
    assert [n for n, _ in model.named_modules()] == ["", "encoder", "encoder.0", "encoder.1", "encoder.2",
                                                     "encoder.3", "decoder", "decoder.0", "decoder.1"]
    assert [n for n, _ in model.named_buffers()] == ["encoder.1.running_mean", "encoder.1.running_var",
                                                     "encoder.1.num_batches_tracked"]
    model.scale = None  # a parameter set to None is no longer one
    del model.decoder
    assert [n for n, _ in model.named_parameters()] == NAMES[1:5]


def test_tied_parameter_is_listed_once():
    model = nn.Sequential(nn.Linear(3, 2), nn.Linear(2, 3))
    model[1].extra = model[0].weight
    assert len(model.parameters()) == 4
    assert [n for n, _ in model.named_parameters()][-1] == "1.bias"


def test_registration_errors():
    class Forgetful(nn.Module):
        def __init__(self):
            self.layer = nn.Linear(2, 2)

    with pytest.raises(RuntimeError, match=r"Forgetful: cannot set 'layer' before Module.__init__\(\).*super"):
        Forgetful()
    layer = nn.Linear(2, 2)
    with pytest.raises(TypeError, match=r"cannot assign a ndarray to parameter 'weight'.*nn.Parameter\(value\).*"
                                        r"module.weight.data\[...\] = value"):
        layer.weight = np.zeros((2, 2))
    bn = nn.BatchNorm1d(2)
    with pytest.raises(TypeError, match="buffer 'running_mean' must stay a NumPy array"):
        bn.running_mean = [0.0, 0.0]
    with pytest.raises(KeyError, match="BatchNorm1d already has an attribute 'weight'"):
        bn.register_buffer("weight", np.zeros(2))
    with pytest.raises(NotImplementedError, match=r"Module has no forward\(\)"):
        nn.Module()(1)


def test_train_eval_propagate_to_every_module():
    model = AE()
    assert model.eval() is model
    assert all(not m.training for m in model.modules())
    model.train()
    assert all(m.training for m in model.modules())
    model.encoder.eval()
    assert model.training and not model.encoder[3].training and model.decoder[1].training


def test_dropout_and_batch_norm_follow_the_mode():
    model = AE(rng=np.random.default_rng(0))
    x = mg.tensor(np.random.default_rng(1).random((8, 6)))
    train_a, train_b = model(x).data, model(x).data
    assert not np.array_equal(train_a, train_b)  # fresh dropout mask each call
    model.eval()
    np.testing.assert_array_equal(model(x).data, model(x).data)


def test_zero_grad_and_freeze_give_frozen_parameters_no_gradient():
    model = AE(rng=np.random.default_rng(0))
    x = mg.tensor(np.random.default_rng(1).random((8, 6)))
    F.mse_loss(model(x), x).backward()
    assert all(p.grad is not None for p in model.parameters())
    model.zero_grad()
    assert all(p.grad is None for p in model.parameters())
    F.mse_loss(model(x), x).backward()
    assert model.encoder.freeze() is model.encoder
    F.mse_loss(model(x), x).backward()
    assert all(p.grad is None and not p.requires_grad for p in model.encoder.parameters())
    assert all(p.grad is not None for p in model.decoder.parameters())
    model.encoder.unfreeze()
    F.mse_loss(model(x), x).backward()
    assert all(p.grad is not None for p in model.encoder.parameters())
    model.requires_grad_(False)
    with pytest.raises(RuntimeError, match="does not require grad"):
        F.mse_loss(model(x), x).backward()


def test_state_dict_is_a_copy_in_order():
    model = AE()
    state = model.state_dict()
    assert list(state) == ["scale", "encoder.0.weight", "encoder.0.bias", "encoder.1.weight", "encoder.1.bias",
                           "encoder.1.running_mean", "encoder.1.running_var", "encoder.1.num_batches_tracked",
                           "decoder.0.weight", "decoder.0.bias"]
    state["scale"][...] = 5
    assert model.scale.data[0] == 1


def test_state_dict_round_trip_loads_in_place():
    source, target = AE(rng=np.random.default_rng(0)), AE(rng=np.random.default_rng(1))
    x = mg.tensor(np.random.default_rng(2).random((8, 6)))
    source(x)  # moves the BatchNorm running stats away from their initial values
    source.eval(), target.eval()
    weight, version = target.encoder[0].weight.data, target.encoder[0].weight._version
    stale = F.mse_loss(target(x), x)
    assert target.load_state_dict(source.state_dict()) == ([], [])
    assert target.encoder[0].weight.data is weight and target.encoder[0].weight._version == version + 1
    np.testing.assert_array_equal(target(x).data, source(x).data)
    np.testing.assert_array_equal(target.encoder[1].running_mean, source.encoder[1].running_mean)
    with pytest.raises(RuntimeError, match="modified in place after the forward pass"):
        stale.backward()


def test_load_state_dict_casts_to_the_model_dtype():
    layer = nn.Linear(2, 2)
    layer.load_state_dict({"weight": np.ones((2, 2), np.float64), "bias": [1.0, 2.0]})
    assert layer.weight.dtype == np.float32
    np.testing.assert_array_equal(layer.bias.data, [1, 2])


def test_load_state_dict_errors_name_the_keys_and_shapes_and_load_nothing():
    model = AE()
    before = model.state_dict()
    state = AE().state_dict()
    state.pop("decoder.0.bias")
    state["decoder.0.b"] = np.zeros(6)
    state["encoder.0.weight"] = np.zeros((4, 5))
    expected = (r"(?s)load_state_dict for AE: nothing was loaded.*"
                r"missing keys \(in the model, not in the state\): \['decoder.0.bias'\].*"
                r"unexpected keys \(in the state, not in the model\): \['decoder.0.b'\].*"
                r"shape mismatch for encoder.0.weight: expected \(4, 6\), got \(4, 5\)")
    with pytest.raises(ValueError, match=expected) as err:
        model.load_state_dict(state)
    assert "strict=False" in str(err.value)
    with pytest.raises(ValueError, match="shape mismatch for encoder.0.weight") as err:
        model.load_state_dict(state, strict=False)
    assert "missing" not in str(err.value)
    for name, value in model.state_dict().items():
        np.testing.assert_array_equal(value, before[name])


def test_load_state_dict_non_strict_loads_the_rest_and_reports():
    model = AE()
    state = AE().state_dict()
    state.pop("decoder.0.bias")
    state["extra"] = np.zeros(1)
    result = model.load_state_dict(state, strict=False)
    assert result.missing_keys == ["decoder.0.bias"] and result.unexpected_keys == ["extra"]
    np.testing.assert_array_equal(model.decoder[0].weight.data, state["decoder.0.weight"])


def test_apply_visits_children_first_then_the_module_and_returns_it():
    model = AE()
    visited = []
    assert model.apply(visited.append) is model
    assert visited == [model.encoder[0], model.encoder[1], model.encoder[2], model.encoder[3], model.encoder,
                       model.decoder[0], model.decoder[1], model.decoder, model]
    assert model.modules() == [model, model.encoder, *model.encoder, model.decoder, *model.decoder]


def test_apply_with_the_pytorch_init_weights_idiom():
    rng = np.random.default_rng(0)

    def init_weights(m):
        if isinstance(m, nn.Linear):
            nn.init.xavier_uniform_(m.weight, rng=rng)
            nn.init.constant_(m.bias, 0.01)

    model = AE().apply(init_weights)
    for layer in (model.encoder[0], model.decoder[0]):
        np.testing.assert_array_equal(layer.bias.data, np.float32(0.01))
        assert np.abs(layer.weight.data).max() <= np.sqrt(6 / (4 + 6))
    np.testing.assert_array_equal(model.encoder[1].bias.data, 0)   # BatchNorm1d's bias: not a Linear, untouched


def test_requires_grad_returns_the_module_and_switches_every_parameter():
    model = AE()
    assert model.requires_grad_(False) is model and not any(p.requires_grad for p in model.parameters())
    assert model.decoder.requires_grad_() is model.decoder
    assert [p.requires_grad for p in model.parameters()] == [False] * 5 + [True] * 2


def test_there_is_one_device_the_cpu():
    model = AE()
    assert model.to("cpu") is model and model.cpu() is model
    with pytest.raises(RuntimeError, match=r"AE.cuda: minigrad_ae computes with NumPy on the CPU only; there is no "
                                           r"'cuda' device. Delete the call, or set device = 'cpu'"):
        model.cuda()
    with pytest.raises(RuntimeError, match="AE.to: .*no 'cuda:0' device"):
        model.to("cuda:0")
    with pytest.raises(TypeError, match=r"AE.to: expected a device \('cpu'\), got type .*dtype=np.float64"):
        model.to(np.float64)


def test_double_and_float_cast_parameters_grads_and_buffers_in_place():
    model = AE(rng=np.random.default_rng(0))
    params = model.parameters()
    opt = mg.optim.SGD(params, lr=0.1)
    x = np.random.default_rng(1).random((8, 6))
    stale = model(x.astype(np.float32)).sum()
    stale.backward(retain_graph=True)
    before = {name: value.copy() for name, value in model.state_dict().items()}
    assert model.double() is model
    assert all(a is b for a, b in zip(model.parameters(), params, strict=True))   # the same objects
    dtypes = {name: value.dtype for name, value in model.state_dict().items()}
    assert dtypes.pop("encoder.1.num_batches_tracked") == np.int64 and set(dtypes.values()) == {np.dtype(np.float64)}
    assert all(p.grad.dtype == np.float64 for p in params)
    for name, value in model.state_dict().items():
        np.testing.assert_array_equal(value, before[name])   # float32 → float64 is exact
    with pytest.raises(RuntimeError, match="modified in place"):
        stale.backward()   # the graph saw the float32 arrays
    model.zero_grad()
    model(x).sum().backward()
    opt.step()   # the optimizer built before the cast still updates the same parameters
    assert all(p.data.dtype == np.float64 for p in params)
    assert model.float() is model and {p.dtype for p in model.parameters()} == {np.dtype(np.float32)}
    assert model.encoder[1].running_mean.dtype == np.float32


def test_sequential_indexing_len_iteration_and_append():
    layers = [nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2)]
    seq = nn.Sequential(*layers)
    assert len(seq) == 3 and list(seq) == layers and seq[0] is layers[0] and seq[-1] is layers[2]
    head = seq[:2]
    assert isinstance(head, nn.Sequential) and list(head) == layers[:2]
    x = mg.tensor(np.ones((5, 3)))
    np.testing.assert_array_equal(seq(x).data, layers[2](layers[1](layers[0](x))).data)
    assert seq.append(nn.Sigmoid()) is seq and len(seq) == 4
    assert [n for n, _ in seq.named_parameters()] == ["0.weight", "0.bias", "2.weight", "2.bias"]
    assert len(nn.Sequential()) == 0 and nn.Sequential()(x) is x


def test_sequential_errors():
    with pytest.raises(TypeError, match=r"got the class ReLU, not a layer; call it: ReLU\(\)"):
        nn.Sequential(nn.Linear(2, 2), nn.ReLU)
    with pytest.raises(TypeError, match=r"item 1 is a function, not a Module.*nn.ReLU\(\)"):
        nn.Sequential(nn.Linear(2, 2), F.relu)
    with pytest.raises(IndexError, match="index 5 is out of range for 1 layers"):
        nn.Sequential(nn.ReLU())[5]


def test_repr_shows_the_layer_stack():
    assert repr(AE()) == """AE(
  (encoder): Sequential(
    (0): Linear(in_features=6, out_features=4, bias=True)
    (1): BatchNorm1d(4, eps=1e-05, momentum=0.1)
    (2): ReLU()
    (3): Dropout(p=0.5)
  )
  (decoder): Sequential(
    (0): Linear(in_features=4, out_features=6, bias=True)
    (1): Sigmoid()
  )
)"""
