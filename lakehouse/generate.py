"""Seeded generator of realistic contact-centre transcripts (`make data`, `make sample`).

Shaped like real exports: a few large tenants and a long tail, times over 180 days with
mixed UTC offsets (and some epoch milliseconds), 5 to 60 utterances per call, short
acknowledgements ("yes", "thank you") repeated as in real calls, the odd long complaint,
and agent/customer turns with timings that sometimes overlap. Written as a stream, so any
size fits in memory.

    python -m lakehouse.generate --size-mb 500 --format array --out data/generated
    python -m lakehouse.generate --sample data/sample
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import random
import sys
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TextIO

logger = logging.getLogger(__name__)

END_OF_PERIOD = datetime(2026, 11, 30, tzinfo=UTC)
PERIOD_DAYS = 180
OFFSETS = ["Z", "+00:00", "-05:00", "-08:00", "+01:00", "+05:30", "+10:00"]
SPEAKER_STYLES = [("agent", "customer"), ("AGENT", "CUSTOMER"), ("assistant", "user")]
CHANNELS = ["voice", "voice", "voice", "chat"]

COMPANIES = ["Northwind", "Bluebell", "Acme", "Globex", "Initech", "Umbrella", "Stark", "Wayne", "Hooli", "Vandelay"]
SECTORS = ["telecom", "energy", "bank", "insurance", "retail", "airline", "broadband", "water", "travel", "health"]
AGENTS = ["Maria", "James", "Aisha", "Tom", "Priya", "Lukas", "Sofia", "Daniel", "Mei", "Omar"]

GREETINGS = [
    "Thank you for calling {company}, my name is {agent}, how can I help you today?",
    "Hi, you're through to {company} support, this is {agent} speaking.",
    "Good morning, {company} customer care, {agent} here. What can I do for you?",
]
PROBLEMS = {
    "billing": [
        "I've been charged twice for the same bill this month.",
        "My last invoice is much higher than usual and I don't understand why.",
        "There's a fee on my statement that I never agreed to.",
    ],
    "outage": [
        "My internet has been down since yesterday evening.",
        "The service keeps dropping every few minutes, it's really unreliable.",
        "Nothing works since the update, I can't even log in.",
    ],
    "delivery": [
        "My order was supposed to arrive on Monday and it still hasn't come.",
        "The package arrived damaged and half the items are missing.",
        "I was told the engineer would come today but nobody showed up.",
    ],
    "account": [
        "I'd like to change the address on my account.",
        "I want to upgrade my plan to the faster one.",
        "I need to update my payment details.",
    ],
    "cancel": [
        "I want to cancel my account, this is the third time I'm calling about the same problem.",
        "Honestly I'm fed up, please just cancel my contract.",
        "I'd like to speak to a manager, this is completely unacceptable.",
    ],
}
AGENT_STEPS = [
    "I'm sorry to hear that, let me look into it for you.",
    "Can I have your account number or the email address on the account, please?",
    "Thank you. Bear with me one moment while I pull up your details.",
    "I can see what happened here, there was an error on our side.",
    "I've applied a credit to your account and you'll see it on your next bill.",
    "I've booked an engineer for Thursday morning between eight and twelve.",
    "I completely understand your frustration and I apologize for the inconvenience.",
    "Is there anything else I can help you with today?",
    "I've escalated this to my supervisor and they will call you back within 24 hours.",
    "Let me transfer you to the team that handles this.",
]
CUSTOMER_REPLIES = [
    "Okay.",
    "Yes.",
    "Yes, that's right.",
    "No.",
    "Thank you.",
    "Thanks.",
    "Mm-hmm.",
    "Sure.",
    "That's great, thank you so much.",
    "That would be really helpful.",
    "This is ridiculous, I've been waiting for two weeks.",
    "I'm not happy with that at all.",
    "Why does this keep happening?",
    "Fine, I suppose that works.",
    "It's 4 5 7 2 9 1.",
    "Can you send me an email confirming that?",
]
AGENT_FILLERS = ["Okay.", "Right.", "Thank you.", "Of course.", "Perfect.", "I see.", "Sure, no problem."]
CLOSINGS = [
    ("Thank you for calling {company}, have a lovely day.", "You too, bye."),
    ("Thanks for your patience today. Goodbye.", "Thanks, bye."),
    ("Is there anything else at all?", "No, that's everything. Thank you for your help."),
]


def tenant_names(count: int, rng: random.Random) -> list[str]:
    names = [f"{c.lower()}-{s}" for c in COMPANIES for s in SECTORS]
    rng.shuffle(names)
    return [names[i] if i < len(names) else f"tenant-{i:04d}" for i in range(count)]


def tenant_weights(count: int) -> list[float]:
    """Zipf-like: a few tenants with most calls, then a long tail."""
    return [1.0 / (rank + 1) ** 1.1 for rank in range(count)]


def created_at(rng: random.Random) -> Any:
    moment = END_OF_PERIOD - timedelta(seconds=rng.uniform(0, PERIOD_DAYS * 86400))
    if rng.random() < 0.05:
        return int(moment.timestamp() * 1000)
    offset = rng.choice(OFFSETS)
    if offset == "Z":
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    sign = 1 if offset[0] == "+" else -1
    shift = timedelta(hours=int(offset[1:3]), minutes=int(offset[4:6])) * sign
    return (moment + shift).strftime("%Y-%m-%dT%H:%M:%S") + offset


def utterances(rng: random.Random, company: str) -> Iterator[tuple[str, str]]:
    """(role, text) pairs of one call, 5 to 60 of them."""
    agent = rng.choice(AGENTS)
    topic = rng.choice(list(PROBLEMS))
    target = rng.randint(5, 60)
    yield "agent", rng.choice(GREETINGS).format(company=company, agent=agent)
    complaint = rng.choice(PROBLEMS[topic])
    if rng.random() < 0.1:  # the odd caller who tells the whole story at once
        complaint = " ".join([complaint] + rng.sample(PROBLEMS[topic] + CUSTOMER_REPLIES, 4) * 3)
    yield "customer", complaint
    for turn in range(max(0, target - 4)):
        if turn % 2 == 0:
            yield "agent", rng.choice(AGENT_STEPS if rng.random() < 0.6 else AGENT_FILLERS)
        else:
            yield "customer", rng.choice(CUSTOMER_REPLIES)
    closing, reply = rng.choice(CLOSINGS)
    yield "agent", closing.format(company=company)
    yield "customer", reply


def transcript(rng: random.Random, number: int, tenants: list[str], weights: list[float]) -> dict[str, Any]:
    tenant = rng.choices(tenants, weights)[0]
    company = tenant.split("-")[0].capitalize()
    agent_label, customer_label = SPEAKER_STYLES[zlib.crc32(tenant.encode()) % len(SPEAKER_STYLES)]
    segments, clock = [], 0.0
    for role, text in utterances(rng, company):
        start = max(0.0, clock + rng.uniform(-0.8, 3.5))  # gaps, and now and then an interruption
        end = start + 0.3 + 0.33 * len(text.split()) * rng.uniform(0.8, 1.3)
        label = agent_label if role == "agent" else customer_label
        segments.append({"speaker": label, "start": round(start, 2), "end": round(end, 2), "text": text})
        clock = end
    return {
        "transcript_id": f"call-{rng.getrandbits(48):012x}-{number}",
        "tenant_id": tenant,
        "created_at": created_at(rng),
        "channel": rng.choice(CHANNELS),
        "language": "en",
        "segments": segments,
    }


def transcripts(seed: int, tenant_count: int) -> Iterator[dict[str, Any]]:
    rng = random.Random(seed)
    tenants = tenant_names(tenant_count, rng)
    weights = tenant_weights(tenant_count)
    number = 0
    while True:
        yield transcript(rng, number, tenants, weights)
        number += 1


def write_jsonl(out: TextIO, calls: Iterator[dict[str, Any]], limit_bytes: int) -> int:
    written = count = 0
    while written < limit_bytes:
        line = json.dumps(next(calls)) + "\n"
        out.write(line)
        written += len(line.encode())
        count += 1
    return count


def write_array(out: TextIO, calls: Iterator[dict[str, Any]], limit_bytes: int, indent: int | None = 2) -> int:
    out.write("[\n")
    written = count = 0
    while written < limit_bytes:
        body = json.dumps(next(calls), indent=indent)
        if indent:
            body = "\n".join(" " * indent + line for line in body.splitlines())
        out.write((",\n" if count else "") + body)
        written += len(body.encode()) + 2
        count += 1
    out.write("\n]\n")
    return count


def write_files(folder: Path, calls: Iterator[dict[str, Any]], limit_bytes: int, limit_count: int | None = None) -> int:
    folder.mkdir(parents=True, exist_ok=True)
    written = count = 0
    while written < limit_bytes and (limit_count is None or count < limit_count):
        call = next(calls)
        body = json.dumps(call, indent=2)
        (folder / f"{call['transcript_id']}.json").write_text(body + "\n")
        written += len(body) + 1
        count += 1
    return count


def generate(out: Path, *, size_mb: float, shape: str, seed: int, tenants: int = 500, files: int | None = None) -> Path:
    """Seeded transcripts of about `size_mb`; for shape "files", at most `files` one-call files
    (when given, the folder is named by that count instead of its size)."""
    calls = transcripts(seed, tenants)
    limit = sys.maxsize if math.isinf(size_mb) else int(size_mb * 1024 * 1024)
    out.mkdir(parents=True, exist_ok=True)
    if shape == "files":
        name = f"calls-{files}files-seed{seed}" if files else f"calls-{size_mb:g}mb-seed{seed}"
        target = out / name
        count = write_files(target, calls, limit, files)
    else:
        suffix = "json" if shape == "array" else "jsonl"
        target = out / f"calls-{size_mb:g}mb-seed{seed}.{suffix}"
        with target.open("w") as handle:
            count = (write_array if shape == "array" else write_jsonl)(handle, calls, limit)
    logger.info("wrote %d transcripts to %s", count, target)
    return target


# Records that break the input contract on purpose, so the sample shows the quarantine.
SAMPLE_BAD_RECORDS = [
    '{"transcript_id": "bad-no-tenant", "created_at": "2026-11-02T10:00:00Z", "segments": [{"speaker": "agent", "start": 0, "end": 1, "text": "Hello?"}]}',  # noqa: E501
    '{"transcript_id": "bad-time", "tenant_id": "acme-telecom", "created_at": "last Tuesday", "segments": [{"speaker": "agent", "start": 0, "end": 1, "text": "Hello?"}]}',  # noqa: E501
    '{"transcript_id": "bad-no-segments", "tenant_id": "acme-telecom", "created_at": 1793000000000, "segments": []}',
    '["not", "a", "transcript"]',
    '{"transcript_id": "bad-cut-off", "tenant_id": "acme-telecom", "created_at": "2026-11-0',
]


def write_sample(folder: Path, seed: int = 2026) -> None:
    """The small sample bundled with the repo: every file shape, plus a few bad records."""
    calls = transcripts(seed, tenant_count=12)
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "calls.jsonl").open("w") as handle:
        for _ in range(40):
            handle.write(json.dumps(next(calls)) + "\n")
    with (folder / "export-array.json").open("w") as handle:
        json.dump([next(calls) for _ in range(25)], handle, indent=2)
        handle.write("\n")
    single = folder / "single-calls"
    single.mkdir(exist_ok=True)
    for _ in range(15):
        call = next(calls)
        (single / f"{call['transcript_id']}.json").write_text(json.dumps(call, indent=2) + "\n")
    (folder / "bad-records.jsonl").write_text("\n".join(SAMPLE_BAD_RECORDS))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=float, default=50)
    parser.add_argument("--format", choices=["array", "jsonl", "files"], default="jsonl")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--tenants", type=int, default=500)
    parser.add_argument("--out", type=Path, default=Path("data/generated"))
    parser.add_argument("--sample", type=Path, help="write the small bundled sample to this folder instead")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if args.sample:
        write_sample(args.sample)
    else:
        generate(args.out, size_mb=args.size_mb, shape=args.format, seed=args.seed, tenants=args.tenants)


if __name__ == "__main__":
    main()
