"""debug=profile: an epoch under Lightning's PyTorch profiler leaves a Chrome trace and a table of the most
expensive operators in the run directory; batch groups stay on, and the trace holds every optimizer step."""

import json
from pathlib import Path

from dlr.run.train import train
from tests.conftest import FAST


def test_profile_writes_a_chrome_trace_with_every_step_of_a_group_and_a_top_ops_table(make_cfg):
    record = train(
        make_cfg(
            [*FAST, "data.num_samples=1000", "data.batch_size=32", "debug=profile", "trainer.max_epochs=2"]
        )
    )
    assert record["status"] == "completed" and record["data"]["batches_per_step"] == 32
    profile = Path(record["run_dir"]) / "profile"
    (trace,) = profile.glob("fit-*.pt.trace.json")
    events = json.loads(trace.read_text())["traceEvents"]
    # 720 training samples: 23 batches, one group an epoch; the first warms the profiler up, the second is recorded
    assert sum(e.get("name") == "Optimizer.step#AdamW.step" for e in events) == 23
    assert sum(e.get("name") == "[pl][profile]run_training_batch" for e in events) == 1
    assert any(e.get("name") == "aten::addmm" and e.get("cat") == "cpu_op" for e in events)  # the net's ops
    table = (profile / "fit-profile.txt").read_text().splitlines()
    header = next(i for i, line in enumerate(table) if line.strip().startswith("Name"))
    rows = [line for line in table[header + 2 :] if line.strip() and not line.startswith("-")][:-1]
    assert len(rows) == 25 and table[-1].startswith(
        "Self CPU time total"
    )  # conf/debug/profile.yaml's row_limit
    assert (profile / "test-profile.txt").is_file()
