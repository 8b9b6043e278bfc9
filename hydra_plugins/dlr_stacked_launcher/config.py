"""The ``hydra/launcher=stacked`` config node; dlr selects it with ``launcher=stacked`` (conf/launcher)."""

from dataclasses import dataclass

from hydra.core.config_store import ConfigStore


@dataclass
class StackedLauncherConf:
    _target_: str = "hydra_plugins.dlr_stacked_launcher.stacked_launcher.StackedLauncher"
    # Worker processes the buckets are spread over (one torch thread each by default); 1 = this process.
    n_jobs: int = 2


ConfigStore.instance().store(
    group="hydra/launcher", name="stacked", node=StackedLauncherConf, provider="dlr_stacked_launcher"
)
