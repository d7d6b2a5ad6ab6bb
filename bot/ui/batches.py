"""A batch's request (with Approve and Reject) and its report, in the channel."""

from __future__ import annotations

from bot.ui.render import MAX_BLOCKS, Block, Reply, escape, section, sections, user
from workflows.batches import Batch

BATCH_APPROVE = "batch_approve"
BATCH_REJECT = "batch_reject"
BATCH_LINES = 40


def batch_request(batch: Batch) -> Reply:
    """The channel message a lead approves or rejects a batch from."""
    what = f"`{escape(batch.step)}`" + (f", due {escape(batch.due)}" if batch.due else "") + (
        f", dated {batch.on}" if batch.on else "") + (
        f" ({escape(batch.note)})" if batch.note else "")
    shown = ", ".join(f"`{escape(t)}`" for t in batch.targets[:BATCH_LINES * 5])
    more = len(batch.targets) - BATCH_LINES * 5
    text = (f"Batch #{batch.id}: {user(batch.requester)} asks to take {what} for "
            f"{len(batch.targets)} jurisdictions. A lead other than them approves it.")
    buttons: list[Block] = [
        {"type": "button", "action_id": BATCH_APPROVE, "value": str(batch.id), "style": "primary",
         "text": {"type": "plain_text", "text": "Approve and run"},
         "confirm": {"title": {"type": "plain_text", "text": "Run the batch?"},
                     "text": {"type": "mrkdwn",
                              "text": f"{escape(batch.step)} × {len(batch.targets)}"},
                     "confirm": {"type": "plain_text", "text": "Run it"},
                     "deny": {"type": "plain_text", "text": "Cancel"}}},
        {"type": "button", "action_id": BATCH_REJECT, "value": str(batch.id),
         "text": {"type": "plain_text", "text": "Reject"}},
    ]
    blocks = [section(text), section(shown + (f" …and {more} more" if more > 0 else "")),
              {"type": "actions", "block_id": f"batch-{batch.id}", "elements": buttons}]
    return Reply(text, blocks, in_channel=True)


def batch_report(batch: Batch) -> Reply:
    """What running (or rejecting) the batch did, jurisdiction by jurisdiction."""
    if batch.status == "rejected":
        text = f"Batch #{batch.id} (`{batch.step}` × {len(batch.targets)}) was rejected by " \
               f"{user(batch.decided_by)}; nothing was changed."
        return Reply(text, [section(text)], in_channel=True)
    refused = [(j, why) for j, ok, why in batch.results if not ok]
    done = [j for j, ok, _ in batch.results if ok]
    text = (f"Batch #{batch.id} `{batch.step}`, approved by {user(batch.decided_by)}: "
            f"{len(done)} done, {len(refused)} refused.")
    blocks = [section(text)]
    blocks += sections([f"✗ `{escape(j)}`: {escape(why)}" for j, why in refused[:BATCH_LINES]]
                       + ([f"…and {len(refused) - BATCH_LINES} more refused"]
                          if len(refused) > BATCH_LINES else []))[:MAX_BLOCKS - 3]
    if done:
        blocks.append(section("Done: " + ", ".join(f"`{escape(j)}`" for j in done)))
    return Reply(text, blocks[:MAX_BLOCKS], in_channel=True)
