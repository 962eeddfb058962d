"""Networks: plain nn.Modules built on stylesynth.norm."""
