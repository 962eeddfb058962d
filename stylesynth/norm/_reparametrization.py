"""The mechanism shared by the weight re-parametrizations: a forward pre-hook that recomputes a weight."""

from __future__ import annotations

from abc import ABC, abstractmethod

import torch
from torch import Tensor, nn


class WeightReparametrization(ABC):
    """Recomputes ``module.<name>`` from stored tensors before every forward.

    Subclasses say which tensors they store (:meth:`stored_names`) and how the weight follows
    from them (:meth:`compute_weight`). The weight is a plain attribute, not in the state dict,
    so the stored names are the checkpoint keys (``weight_g``/``weight_v``, ``weight_orig``/
    ``weight_u``/``weight_v``, as torch's classic ``torch.nn.utils`` functions and the public
    GAN releases have them).
    """

    def __init__(self, name: str) -> None:
        self.name = name

    @abstractmethod
    def stored_names(self) -> list[str]:
        """Names of the tensors :meth:`store` registers on the module."""

    @abstractmethod
    def store(self, module: nn.Module, weight: nn.Parameter) -> None:
        """Registers on ``module`` the tensors the weight is computed from, initialized from ``weight``."""

    @abstractmethod
    def compute_weight(self, module: nn.Module, update: bool) -> Tensor:
        """The weight; ``update`` allows stateful steps (spectral norm's power iteration)."""

    def attach(self, module: nn.Module) -> nn.Module:
        existing = find(module, self.name)
        if existing is not None:
            raise ValueError(f"{type(module).__name__}.{self.name} is already re-parametrized by {type(existing).__name__}")
        if not isinstance(module._parameters.get(self.name), nn.Parameter):
            raise ValueError(f"{type(self).__name__}: {type(module).__name__} has no parameter {self.name!r}")
        self.store(module, module._parameters.pop(self.name))
        self.handle = module.register_forward_pre_hook(self)
        # Detached until the first forward recomputes it: a non-leaf tensor here would make the
        # module impossible to deepcopy or pickle (ddp_spawn, multiprocessing).
        with torch.no_grad():
            setattr(module, self.name, self.compute_weight(module, update=False))
        return module

    def __call__(self, module: nn.Module, inputs) -> None:
        setattr(module, self.name, self.compute_weight(module, update=module.training and torch.is_grad_enabled()))

    def fold(self, module: nn.Module) -> None:
        """Replaces the re-parametrization by the plain weight it computes in eval mode."""
        with torch.no_grad():
            weight = self.compute_weight(module, update=False).detach().clone()
        self.handle.remove()
        for stored in self.stored_names():
            delattr(module, stored)
        delattr(module, self.name)
        module.register_parameter(self.name, nn.Parameter(weight))


def find(module: nn.Module, name: str = "weight") -> WeightReparametrization | None:
    """The re-parametrization of ``module.<name>``, if any."""
    for hook in module._forward_pre_hooks.values():
        if isinstance(hook, WeightReparametrization) and hook.name == name:
            return hook
    return None


def reparametrizations(module: nn.Module) -> list[WeightReparametrization]:
    """The re-parametrizations attached directly to ``module``."""
    return [hook for hook in module._forward_pre_hooks.values() if isinstance(hook, WeightReparametrization)]
