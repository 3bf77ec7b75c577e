"""Model registry, built-in architectures and the plugin path."""

from __future__ import annotations

import pytest
import torch
import yaml
from torch import nn

from hill_arcade.config import ModelConfig, scene_from_dict
from hill_arcade.errors import ConfigError
from hill_arcade.models import HillNet, build_model

SCENE_MODELS = {
    "digits_cnn": ("model: {name: digits_cnn, params: {channels: [8, 16], dropout: 0.1}}",
                   (1, 8, 8), 10),
    "cifar10_cnn": ("model: {name: cifar10_cnn, projection_hidden: 32, params: {width: 0.25}}",
                    (3, 32, 32), 10),
    "pamap2_cnn": ("model: {name: pamap2_cnn, params: {channels: [16, 32, 32], dropout: 0.3}}",
                   (27, 100), 13),
}


class TinyNet(nn.Module):
    """A plugin model: flatten -> linear latent -> linear logits."""

    def __init__(self, num_classes: int, in_features: int, hidden: int) -> None:
        super().__init__()
        self.latent_dim = hidden
        self.body = nn.Sequential(nn.Flatten(), nn.Linear(in_features, hidden), nn.ReLU())
        self.head = nn.Linear(hidden, num_classes)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        latent = self.body(x)
        return self.head(latent), latent


def build_tiny(num_classes: int, input_shape: tuple[int, ...], hidden: int = 8) -> TinyNet:
    return TinyNet(num_classes, int(torch.tensor(input_shape).prod()), hidden)


def build_not_a_model(num_classes: int, input_shape: tuple[int, ...]) -> object:
    return "not a model"


def build_without_latent_dim(num_classes: int, input_shape: tuple[int, ...]) -> nn.Module:
    return nn.Linear(3, num_classes)


# the test module's own import name (pytest may import it as "test_models" or "tests.test_models")
PLUGIN = f"{__name__}:build_tiny"


def scene_model(name: str) -> tuple[ModelConfig, tuple[int, ...], int]:
    text, shape, num_classes = SCENE_MODELS[name]
    return scene_from_dict(yaml.safe_load(text), "test.yaml").model, shape, num_classes


@pytest.mark.parametrize("name", list(SCENE_MODELS))
def test_builtin_forward_shapes(name: str) -> None:
    cfg, shape, num_classes = scene_model(name)
    torch.manual_seed(0)
    model = build_model(cfg, num_classes, shape)
    assert isinstance(model, HillNet)
    assert model.projection.net[0].out_features == cfg.projection_hidden

    for train in (True, False):
        model.train(train)
        logits, latent, points = model(torch.randn(5, *shape))
        assert logits.shape == (5, num_classes)
        assert latent.shape == (5, model.classifier.latent_dim)
        assert points.shape == (5, 2)


@pytest.mark.parametrize("name", list(SCENE_MODELS))
def test_projection_is_per_sample(name: str) -> None:
    """In eval mode a sample's 2D point does not depend on the rest of its batch."""
    cfg, shape, num_classes = scene_model(name)
    torch.manual_seed(0)
    model = build_model(cfg, num_classes, shape).eval()
    x = torch.randn(12, *shape)
    with torch.no_grad():
        batch = model(x)[2]
        alone = torch.cat([model(x[i : i + 1])[2] for i in range(len(x))])
        again = model(x)[2]
    # BLAS/oneDNN pick different kernels per batch size, so only rounding may differ
    torch.testing.assert_close(alone, batch, rtol=1e-5, atol=1e-6)
    assert torch.equal(again, batch)


def test_paper_architectures() -> None:
    cifar = build_model(ModelConfig(name="cifar10_cnn"), 10, (3, 32, 32)).classifier
    kinds = [type(m) for m in cifar.modules()]
    assert kinds.count(nn.Conv2d) == 5 and kinds.count(nn.MaxPool2d) == 5
    assert kinds.count(nn.Linear) == 4 and nn.Dropout in kinds
    assert cifar.latent_dim == 512

    pamap = build_model(ModelConfig(name="pamap2_cnn"), 13, (27, 100)).classifier
    kinds = [type(m) for m in pamap.modules()]
    assert kinds.count(nn.Conv1d) == 3 and nn.Dropout in kinds
    assert pamap.features[0].in_channels == 27
    assert pamap.latent_dim == 2 * 128  # global max + global average

    digits = build_model(ModelConfig(name="digits_cnn"), 10, (1, 8, 8)).classifier
    assert digits.latent_dim == 32 * 4 * 4


def test_plugin_dotted_path() -> None:
    model = build_model(ModelConfig(name=PLUGIN, params={"hidden": 5}), 3, (2, 4))
    assert isinstance(model.classifier, TinyNet) and model.classifier.latent_dim == 5
    logits, latent, points = model(torch.randn(7, 2, 4))
    assert logits.shape == (7, 3) and latent.shape == (7, 5) and points.shape == (7, 2)


@pytest.mark.parametrize(
    "name",
    [
        "no_such_package_hill.models:build",
        f"{__name__}:no_such_function",
        f"{__name__}:build_not_a_model",
        f"{__name__}:build_without_latent_dim",
        f"{__name__}:",
        "resnet50",
    ],
)
def test_bad_model_name(name: str) -> None:
    with pytest.raises(ConfigError, match="model.name") as info:
        build_model(ModelConfig(name=name), 10, (1, 8, 8))
    assert name in str(info.value)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(
    ("name", "params", "key"),
    [
        ("digits_cnn", {"bogus": 1}, "model.params.bogus"),
        ("cifar10_cnn", {"channels": [8, 8, 8, 8, 8]}, "model.params.channels"),
        ("pamap2_cnn", {"dropout": "high"}, "model.params.dropout"),
        ("pamap2_cnn", {"dropout": 1.5}, "model.params.dropout"),
        ("pamap2_cnn", {"channels": [8, 8]}, "model.params.channels"),
        ("cifar10_cnn", {"width": -1}, "model.params.width"),
        (PLUGIN, {"depth": 3}, "model.params.depth"),
    ],
)
def test_bad_params_name_the_key(name: str, params: dict, key: str) -> None:
    shape = (27, 100) if name == "pamap2_cnn" else (3, 32, 32)
    with pytest.raises(ConfigError, match=key):
        build_model(ModelConfig(name=name, params=params), 10, shape)


def test_input_shape_mismatch_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="pamap2_cnn"):
        build_model(ModelConfig(name="pamap2_cnn"), 10, (3, 32, 32))
    with pytest.raises(ConfigError, match="cifar10_cnn"):
        build_model(ModelConfig(name="cifar10_cnn"), 10, (1, 8, 8))
