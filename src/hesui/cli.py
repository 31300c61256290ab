"""The hesui command line: one table of subcommands, each a thin wrapper over an importable function.

Errors a user can fix (a bad request, a missing model part, a malformed file) print one line and exit 2;
nothing here prints a traceback for them.
"""
from __future__ import annotations

import argparse
import json
import sys
from typing import Callable

from hesui.length import LengthSpecError, parse

EXIT_USAGE = 2


class UserError(Exception):
    """A problem with the user's input or set-up; printed as one line, exit code 2."""


def _print_json(obj) -> None:
    print(json.dumps(obj, ensure_ascii=False, indent=None))


# --- hesui parse --------------------------------------------------------------------------------------

def cmd_parse(args) -> int:
    try:
        spec = parse(args.text)
    except LengthSpecError as e:
        raise UserError(str(e)) from None
    if args.json:
        _print_json({**spec.to_dict(), "read": [{"words": w, "at": [a, b]} for w, a, b in spec.origins],
                     "ignored": [{"words": w, "reason": why} for w, why in spec.ignored]})
        return 0
    if not spec.constraints:
        print("no length constraint")
    for c, (words, a, b) in zip(spec.constraints, spec.origins):
        per = f" per {c.per}" if c.per else ""
        print(f"{c.kind:8} {c.unit:9} lo={c.lo} hi={c.hi} target={c.target}{per}  ← “{words}” at {a}–{b}")
    if spec.source:
        print(f"from: {spec.source}")
    for words, why in spec.ignored:
        print(f"ignored: “{words}”: {why}")
    return 0


def add_parse(sub) -> None:
    p = sub.add_parser("parse", help="show the length constraints hesui reads in a request",
                       description="Print the length constraints in TEXT (../shared/LENGTH_RULES.md).")
    p.add_argument("text", help='the request, e.g. "给领导写不超过80字的拜年短信"')
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.set_defaults(func=cmd_parse)


EXAMPLES_HELP = ("show the model N (0-3) training seed pairs of the same kind before a request for New Year copy "
                 "(BM25 over the request's words, same length band first; never copied: the n-gram blocker covers "
                 "them); default 0")
OUTLINE_HELP = ("no paragraph outline: by default a text of 300 字 or more gets one after its length (the request's "
                "named details handed to the middle paragraphs)")


# --- hesui write --------------------------------------------------------------------------------------

def cmd_write(args) -> int:
    from hesui.generate.load import describe, load_generator
    from hesui.generate.seam import SamplingConfig, check_request
    from hesui.model.registry import ModelError, pick_adapter

    try:
        check_request(args.prompt)  # fail before the model loads
        config = SamplingConfig(temperature=args.temperature, n_candidates=args.n_candidates,
                                seed=args.seed, control=not args.no_control, examples=args.examples,
                                outline=args.outline)
        adapter = pick_adapter(args.model, args.adapter, base=args.base)
        generator = load_generator(args.model, adapter, engine=args.engine)
        answer = generator.write(args.prompt, config)
    except (ValueError, ModelError) as e:
        raise UserError(str(e)) from None
    if args.json:
        _print_json(answer.to_dict() | describe(generator))
    else:
        print(answer.text)
    if answer.ok is False and not config.control:
        print("hesui: the plain model (--no-control) missed the length", file=sys.stderr)
    elif answer.ok is False:
        print(f"hesui: no answer met the length after {answer.attempts} round(s) of {config.n_candidates} "
              f"candidates; this is the closest", file=sys.stderr)
    elif answer.attempts > 1:
        print(f"hesui: met the length on attempt {answer.attempts}", file=sys.stderr)
    if answer.copy_faults:
        why = f"the best of {config.n_candidates} candidates" if config.control else "the plain model's one sample"
        print(f"hesui: read it before sending: {', '.join(answer.copy_faults)} ({why} has it)", file=sys.stderr)
    return 0


def add_write(sub) -> None:
    p = sub.add_parser("write", help="write a New Year text that meets the length in the request",
                       description="Write the text a request asks for; the length it states is met by construction "
                                   "(counted as ../shared/LENGTH_RULES.md says) and verified.")
    p.add_argument("prompt", help='the request, e.g. "给领导写一条不超过80字的拜年短信"')
    p.add_argument("--json", action="store_true", help="print text, counts, constraints, verdict and timing as JSON")
    p.add_argument("--model", help="a local Hugging Face model directory or a .gguf file (default: the embedded base)")
    p.add_argument("--adapter", help="a PEFT (LoRA) adapter directory to apply (default: the shipped "
                                     "models/hesui-lora with the embedded base)")
    p.add_argument("--base", action="store_true", help="the plain base model, without the shipped adapter")
    p.add_argument("--seed", type=int, help="random seed, for a repeatable answer")
    p.add_argument("--temperature", type=float, default=0.8, help="sampling temperature; 0 is greedy (default 0.8)")
    p.add_argument("--n-candidates", type=int, default=4,
                   help="candidates sampled in one batch; the best that meets the length is kept (default 4)")
    p.add_argument("--examples", type=int, default=0, metavar="N", help=EXAMPLES_HELP)
    p.add_argument("--no-outline", dest="outline", action="store_false", help=OUTLINE_HELP)
    p.add_argument("--no-control", action="store_true",
                   help="the plain model: no length steering, one sample (for comparison)")
    add_engine_arg(p)
    p.set_defaults(func=cmd_write)


def add_engine_arg(p) -> None:
    p.add_argument("--engine", default="auto", choices=("auto", "llama.cpp", "transformers"),
                   help="what runs the model: llama.cpp (GGUF files on the CPU; built for this machine at install) "
                        "or transformers (Hugging Face directories and GGUF files, on a CPU or a CUDA GPU); auto "
                        "(default): llama.cpp for a GGUF when there is no CUDA GPU, else transformers")


# --- hesui data build | validate | convert --------------------------------------------------------------

def cmd_data_build(args) -> int:
    from pathlib import Path

    from hesui.data.build import build

    report = build(Path(args.out), seed=args.seed)
    print(report.summary())
    print(f"wrote {args.out}/train.jsonl, dev.jsonl, test.jsonl, stats.md and charts")
    return 0


def cmd_data_validate(args) -> int:
    from pathlib import Path

    from hesui.data.formats import FileError
    from hesui.data.validate import invented_names, validate_file

    path = Path(args.file)
    if not path.is_file():
        raise UserError(f"no such file: {args.file}" + (" (it is a directory)" if path.is_dir() else ""))
    try:
        n, problems = validate_file(path)
        flags = invented_names(path)
    except FileError as e:
        raise UserError(str(e)) from None
    for p in problems:
        print(f"{args.file}: {p}")
    for f in flags:
        print(f"{args.file}: flag: {f}")
    print(f"{args.file}: {n} record{'s' if n != 1 else ''}, {len(problems)} bad"
          + (f", {len(flags)} flagged (an answer names a person the request does not: valid, but a model trained "
             f"on it learns to invent names)" if flags else "")
          + (" (the file holds no records)" if n == 0 else ""), file=sys.stderr)
    return 1 if problems or n == 0 else 0


def cmd_data_pairs(args) -> int:
    from pathlib import Path

    from hesui.data.build import write_jsonl
    from hesui.data.pairs import build_pairs

    run = Path(args.run)
    chosen_run = Path(args.chosen_run) if args.chosen_run else None
    for path, flag in ((run, " --no-control"), (chosen_run, "")):
        if path is not None and not ((path / "config.json").is_file() and (path / "samples.jsonl").is_file()):
            raise UserError(f"{path} is not a finished eval run (config.json and samples.jsonl); make one with "
                            f"hesui eval --data data/pairs-requests.jsonl{flag} --out {path}")
    replay = None if args.no_general else Path(args.general)
    try:
        build = build_pairs(run, replay, seed=args.seed, chosen_run=chosen_run)
    except (ValueError, OSError) as e:
        raise UserError(str(e)) from None
    write_jsonl(Path(args.out), build.pairs)
    print(build.summary())
    print(f"wrote {args.out}")
    return 0


def _counts(counter) -> str:
    return ", ".join(f"{what} ×{n}" for what, n in sorted(counter.items()))


def cmd_data_convert(args) -> int:
    from pathlib import Path

    from hesui.data.formats import FileError, FormatError, convert

    src, dst = Path(args.src), Path(args.dst)
    if not src.is_file():
        raise UserError(f"no such file: {args.src}" + (" (it is a directory)" if src.is_dir() else ""))
    if dst.exists() and dst.resolve() == src.resolve():
        raise UserError(f"{args.dst} is the source file; write the converted records to another file")
    if dst.is_dir() or not dst.parent.is_dir():
        raise UserError(f"cannot write {args.dst}: " + ("it is a directory" if dst.is_dir() else
                                                        f"no directory {dst.parent}"))
    try:
        result = convert(src, args.src_format, dst, args.dst_format)
    except FileError as e:
        raise UserError(f"{e}; nothing written") from None
    except OSError as e:
        raise UserError(f"cannot write {args.dst}: {e.strerror}") from None
    except FormatError as e:
        print(e, file=sys.stderr)
        raise UserError(f"{args.src} is not valid {args.src_format} data (bad lines above); nothing written") from None
    for warning in result.report.warnings:
        print(f"hesui: {warning}", file=sys.stderr)
    print(f"converted {result.n} records: {args.src} ({args.src_format}) → {args.dst} ({args.dst_format})")
    if result.report.warnings:
        print(f"hesui: {len(result.report.warnings)} request(s) converted with no constraints, their length "
              f"unreadable (warnings above)", file=sys.stderr)
    if result.report.unread:
        print(f"hesui: not converted, the canonical record has no place for: {_counts(result.report.unread)}",
              file=sys.stderr)
    if result.lost:
        print(f"hesui: not written, {args.dst_format} cannot hold: {_counts(result.lost)}", file=sys.stderr)
    return 0


def add_data(sub) -> None:
    from hesui.data.build import REPLAY_FILE
    from hesui.data.formats import FILES_HELP, FORMATS

    p = sub.add_parser("data", help="build, validate and convert training data",
                       description="The corpus: build the train/dev/test splits from the seed pairs, validate "
                                   "records against the length contract, convert between formats.")
    dsub = p.add_subparsers(dest="data_command", metavar="ACTION", required=True)
    b = dsub.add_parser("build", help="write train/dev/test jsonl, stats.md and charts from the seed corpus")
    b.add_argument("--out", default="data", help="output directory (default: data/)")
    b.add_argument("--seed", type=int, default=0, help="random seed; the same seed gives the same files (default 0)")
    b.set_defaults(func=cmd_data_build)
    v = dsub.add_parser("validate", help="check every record of a canonical jsonl file; exit 1 if any is bad",
                        description="Check every canonical record against the length contract. " + FILES_HELP)
    v.add_argument("file")
    v.set_defaults(func=cmd_data_validate)
    pr = dsub.add_parser(
        "pairs", help="preference pairs for DPO: verified answers over the model's own off-length answers",
        description="Build prompt/chosen/rejected records for `hesui train` with objective=dpo. Chosen: the "
                    "corpus answer, or with --chosen-run the model's own controlled answer (either way it meets "
                    "the length and has no copy fault). Rejected: the model's own uncontrolled "
                    "answer to the same request where it misses the length or has a copy fault; each pair records "
                    "why. Plus, for the general replay prompts, the base's plain answer over the same answer with a "
                    "New Year wish appended. First answer the requests without the controller: hesui eval --data "
                    "data/pairs-requests.jsonl --no-control --out runs/pairs/uncontrolled (and with it, for "
                    "--chosen-run: hesui eval --data data/pairs-requests.jsonl --out runs/pairs/controlled)")
    pr.add_argument("--run", required=True, help="an eval run made with --no-control over training requests")
    pr.add_argument("--chosen-run", help="an eval run made WITH the controller over the same requests: its answers "
                    "(in bounds, no copy fault) are the chosen side instead of the corpus answers, so that both sides "
                    "are the model's own and differ mainly in length")
    pr.add_argument("--out", default="data/pairs.jsonl", help="where the pairs go (default data/pairs.jsonl)")
    pr.add_argument("--general", default=str(REPLAY_FILE), help="replay rows {id, prompt, response} for the "
                    "'wish added' pairs (default: the packaged general replay set)")
    pr.add_argument("--no-general", action="store_true", help="length and copy-fault pairs only")
    pr.add_argument("--seed", type=int, default=0, help="which wish each general pair gets (default 0)")
    pr.set_defaults(func=cmd_data_pairs)
    c = dsub.add_parser("convert", help="convert between canonical, qianfan, messages, alpaca and sharegpt",
                        description="Import or export: e.g. hesui data convert my.jsonl --from qianfan out.jsonl. "
                                    "System messages, earlier turns and Qianfan weights are kept; what the target "
                                    "format cannot hold is counted on stderr. A request whose length cannot be "
                                    "read converts with no constraints and a numbered warning. DST ending in .json "
                                    "gets a JSON array. " + FILES_HELP)
    c.add_argument("src")
    c.add_argument("dst")
    c.add_argument("--from", dest="src_format", choices=FORMATS, default="canonical", help="format of SRC")
    c.add_argument("--to", dest="dst_format", choices=FORMATS, default="canonical", help="format of DST")
    c.set_defaults(func=cmd_data_convert)


# --- hesui eval | compare ------------------------------------------------------------------------------

def _command_line(argv: list[str]) -> str:
    import shlex

    return "hesui " + " ".join(shlex.quote(a) for a in argv)


def cmd_eval(args) -> int:
    from pathlib import Path

    from tqdm import tqdm

    from hesui.evaluate.run import EvalConfig, evaluate
    from hesui.generate.load import load_generator
    from hesui.model.registry import ModelError, pick_adapter

    if args.general:
        return _eval_general(args)
    if not args.data:
        raise UserError("give --data FILE (requests to answer) or --general (the general-ability set)")
    try:
        adapter = pick_adapter(args.model, args.adapter, base=args.base or args.base_only)
        cfg = EvalConfig(data=args.data, out=args.out, model=args.model, adapter=adapter,
                         control=not (args.no_control or args.base_only), limit=args.limit, batch=args.batch,
                         n_candidates=args.n_candidates, examples=args.examples, outline=args.outline,
                         backend=args.engine,
                         command=_command_line(args.argv))
        from hesui.evaluate.run import preflight

        preflight(cfg)  # a bad file or a changed setting fails before the model loads
        generator = load_generator(cfg.model, cfg.adapter, engine=cfg.backend)
        metrics = evaluate(generator, cfg, progress=tqdm)
    except (ValueError, ModelError) as e:
        raise UserError(str(e)) from None
    if args.judge_url or args.judge_model:
        _judge(args, Path(cfg.out))
    o = metrics["overall"]
    print(f"{o['n']} requests: strict {_pct(o['strict'])}, qianfan {_num(o['qianfan'])}, "
          f"lifebench {_num(o['lifebench'], 1)}; wrote {cfg.out}/metrics.json, samples.jsonl, report.md")
    if o.get("errors"):
        print(f"hesui: {o['errors']} request(s) could not be answered; their rows in samples.jsonl carry an "
              f"\"error\" and count as not ok", file=sys.stderr)
    return 0


def _eval_general(args) -> int:
    """The general set for the plain base, the tuned model alone and the tuned model with the controller."""
    from pathlib import Path

    from tqdm import tqdm

    from hesui.evaluate.general import general_check, write_general_report
    from hesui.generate.load import load_generator
    from hesui.model.registry import ModelError, pick_adapter

    out = Path(args.out if args.out != EVAL_OUT else "reports/general")
    try:
        adapter = pick_adapter(args.model, args.adapter)
        if adapter is None:
            raise UserError("--general compares the base with a tuned model: give --adapter DIR (or keep the "
                            "shipped models/hesui-lora)")
        results = {}
        base = load_generator(args.model, None, engine=args.engine)
        results["base"] = general_check(base, control=False, progress=tqdm)
        del base
        tuned = load_generator(args.model, adapter, engine=args.engine)
        results["tuned"] = general_check(tuned, control=False, progress=tqdm)
        results["tuned + controller"] = general_check(tuned, control=True, progress=tqdm)
    except (ValueError, ModelError) as e:
        raise UserError(str(e)) from None
    write_general_report(results, out, command=_command_line(args.argv), adapter=adapter)
    for label, r in results.items():
        lo, hi = r["wilson"]
        print(f"{label}: {r['passed']}/{r['n']} pass ({r['pass_rate']:.1%}, 95% CI {lo:.1%}–{hi:.1%}); "
              f"{r['new_year_wishes']} answers with a New Year wish")
    print(f"wrote {out}/general.json and report.md")
    return 0


def _pct(x) -> str:
    return "–" if x is None else f"{x:.1%}"


def _num(x, digits: int = 3) -> str:
    return "–" if x is None else f"{x:.{digits}f}"


def _judge(args, out) -> None:
    import json

    from hesui.evaluate.judge import JudgeError, judge_rows

    rows = [json.loads(l) for l in (out / "samples.jsonl").read_text(encoding="utf-8").splitlines() if l.strip()]
    try:
        scores = judge_rows(rows, args.judge_url, args.judge_model)
    except JudgeError as e:
        print(f"hesui: judge scoring skipped: {e}", file=sys.stderr)
        return
    (out / "judge.json").write_text(json.dumps({"aggregate": scores, "rows": rows}, ensure_ascii=False, indent=1),
                                    encoding="utf-8")
    print(f"judge: mean {_num(scores['mean'], 2)} (std {_num(scores['std'], 2)}, median {scores['median']}) over "
          f"{scores['scored']} of {scores['n']}; {scores['failed']} failed, {scores['unreadable']} unreadable")


EVAL_OUT = "reports/eval"


def add_eval(sub) -> None:
    p = sub.add_parser("eval", help="score one setting over a file of requests (length, BLEU/ROUGE, judge)",
                       description="Answer every request in --data and write metrics.json, samples.jsonl and "
                                   "report.md to --out. Interrupted runs resume where they stopped. With --general, "
                                   "score general abilities instead (base vs tuned).")
    p.add_argument("--data",
                   help="canonical records (e.g. data/test.jsonl; JSON lines or a .json array) or a .txt of "
                        "requests, one per line, blank and # lines skipped. UTF-8 with or without BOM; a GBK file "
                        "is read with a notice. A resumed run refuses a changed data file or setting")
    p.add_argument("--model", help="a HF model directory or .gguf file (default: the embedded base)")
    p.add_argument("--adapter", help="a PEFT adapter directory (default: the shipped models/hesui-lora with the "
                                     "embedded base)")
    p.add_argument("--base", action="store_true", help="the base model without the shipped adapter")
    p.add_argument("--base-only", action="store_true", help="the plain base model: no adapter, no controller")
    p.add_argument("--no-control", action="store_true", help="no length controller (one plain sample)")
    p.add_argument("--limit", type=int, help="only the first N requests")
    p.add_argument("--batch", type=int, default=4, help="requests decoded together (default 4)")
    p.add_argument("--n-candidates", type=int, default=4, help="candidates per request with the controller")
    p.add_argument("--examples", type=int, default=0, metavar="N", help=EXAMPLES_HELP)
    p.add_argument("--no-outline", dest="outline", action="store_false", help=OUTLINE_HELP)
    p.add_argument("--out", default=EVAL_OUT, help="run directory (default reports/eval; reports/general with "
                                                  "--general)")
    p.add_argument("--general", action="store_true",
                   help="instead of --data: the general-ability set (105 exactly checked prompts) for the plain "
                        "base, the tuned model alone and with the controller; pass rates with 95%% Wilson "
                        "intervals, and New Year wishes counted")
    p.add_argument("--judge-url", help="an OpenAI-compatible endpoint for judge scores (key: HESUI_JUDGE_API_KEY)")
    p.add_argument("--judge-model", help="the judge model's name at that endpoint")
    add_engine_arg(p)
    p.set_defaults(func=cmd_eval)


def cmd_compare(args) -> int:
    from pathlib import Path

    from tqdm import tqdm

    from hesui.evaluate.compare import compare, parse_setting
    from hesui.model.registry import ModelError

    try:
        settings = [parse_setting(s) for s in args.settings]
        out = compare(settings, data=args.data, limit=args.limit, out=Path(args.out or f"reports/{args.name}"),
                      command=_command_line(args.argv), with_general=args.general, progress=tqdm,
                      engine=args.engine)
    except (ValueError, ModelError) as e:
        raise UserError(str(e)) from None
    print(f"wrote {out}/index.html and {out}/report.md")
    return 0


def add_compare(sub) -> None:
    p = sub.add_parser("compare", help="settings side by side: metrics, charts, every sample with ✓/✗",
                       description="Each SETTING is base, control, adapter=DIR, model=PATH (add :nocontrol to "
                                   "drop the controller), or an existing eval run directory.")
    p.add_argument("settings", nargs="+", metavar="SETTING")
    p.add_argument("--data", help="requests to evaluate settings on (canonical jsonl or .txt)")
    p.add_argument("--limit", type=int, help="only the first N requests")
    p.add_argument("--name", default="compare", help="report name: reports/NAME/ (default compare)")
    p.add_argument("--out", help="report directory (overrides --name)")
    p.add_argument("--general", action="store_true", help="also run the general-ability check for each setting")
    add_engine_arg(p)
    p.set_defaults(func=cmd_compare)


# --- hesui train | export ------------------------------------------------------------------------------

def cmd_train(args) -> int:
    from hesui.model.registry import ModelError
    from hesui.train.config import ConfigError, load_config

    try:
        cfg = load_config(args.config, args.overrides)
    except ConfigError as e:
        raise UserError(str(e)) from None
    from hesui.train import train
    from hesui.train.common import TrainError

    try:
        result = train(cfg)
    except (TrainError, ModelError) as e:
        raise UserError(str(e)) from None
    dev = "–" if result.best_dev_loss is None else f"{result.best_dev_loss:.4f}"
    print(f"trained {result.steps} steps, best dev loss {dev}, {result.train_tokens_per_s} tokens/s; "
          f"weights in {result.weights_dir}, curves in {result.run_dir}/loss.png")
    return 0


def add_train(sub) -> None:
    p = sub.add_parser("train", help="LoRA or full SFT, or DPO on preference pairs (configs/lora.yaml, full.yaml, "
                                     "dpo.yaml)",
                       description="Fine-tune the base model: SFT on training records (objective=sft) or DPO on "
                                   "pairs from `hesui data pairs` (objective=dpo), of a LoRA adapter or every "
                                   "weight (adapter=lora|full). Settings come from the defaults, "
                                   "then --config, then KEY=VALUE overrides (e.g. epochs=2 lr=1e-4). The run "
                                   "directory runs/train/<name>/ gets the resolved config, data hashes, "
                                   "trainer_log.jsonl, loss.png, TensorBoard events and the weights; starting the "
                                   "same name again resumes from its last checkpoint.")
    p.add_argument("--config", help="a YAML file of settings (e.g. configs/lora.yaml)")
    p.add_argument("overrides", nargs="*", metavar="KEY=VALUE", help="settings that override the file (keys below)")
    p.formatter_class = argparse.RawDescriptionHelpFormatter
    p.epilog = "settings (KEY: default — meaning):\n" + "\n".join(_config_help())
    p.set_defaults(func=cmd_train)


def _config_help() -> list[str]:
    import dataclasses

    from hesui.train.config import TrainConfig

    return [f"  {f.name}: {f.default if f.default is not dataclasses.MISSING else f.default_factory()} — "
            f"{f.metadata.get('help', '')}" for f in dataclasses.fields(TrainConfig)]


def cmd_export(args) -> int:
    from hesui.model.registry import ModelError
    from hesui.train.export import ExportError, export_gguf, export_gguf_lora, export_merged

    try:
        if args.gguf:
            out = export_gguf(args.adapter, args.gguf, base=args.model, quant=args.quant, force=args.force)
            print(f"wrote {out}, its model card {out.with_suffix('.md')} and an Ollama Modelfile "
                  f"(run it with hesui write --model {out})")
        elif args.gguf_lora:
            out = export_gguf_lora(args.adapter, args.gguf_lora, base=args.model, force=args.force)
            print(f"wrote the adapter as a GGUF LoRA to {out} (llama.cpp --lora, Ollama ADAPTER)")
        else:
            out = export_merged(args.adapter, args.out, base=args.model, force=args.force)
            print(f"wrote the merged model to {out} (load it with --model {out})")
    except (ExportError, ModelError) as e:
        raise UserError(str(e)) from None
    return 0


def add_export(sub) -> None:
    p = sub.add_parser("export", help="merge a LoRA adapter into its base: a Hugging Face directory or one GGUF",
                       description="Merge ADAPTER into the base model and write it as a Hugging Face directory "
                                   "(--out: transformers, vLLM) or as one GGUF file (--gguf: llama.cpp, Ollama, "
                                   "LM Studio), or write the adapter alone as a GGUF LoRA (--gguf-lora).")
    p.add_argument("--adapter", required=True, help="a PEFT adapter directory (e.g. models/hesui-lora)")
    what = p.add_mutually_exclusive_group(required=True)
    what.add_argument("--out", help="output directory for the merged Hugging Face model")
    what.add_argument("--gguf", metavar="FILE.gguf", help="the merged model as one GGUF file, with FILE.md (model "
                                                          "card) and a Modelfile beside it")
    what.add_argument("--gguf-lora", metavar="FILE.gguf", help="the adapter alone as a GGUF LoRA for a GGUF base")
    p.add_argument("--quant", default="q4_k_m", choices=("q4_k_m", "q8_0", "f16"),
                   help="the GGUF's type, written by llama.cpp's quantizer (default q4_k_m, as the embedded base)")
    p.add_argument("--model", help="the base the adapter was trained on (default: the embedded base)")
    p.add_argument("--force", action="store_true", help="replace the output if it exists")
    p.set_defaults(func=cmd_export)


# --- hesui serve --------------------------------------------------------------------------------------

def cmd_serve(args) -> int:
    from hesui.model.registry import ModelError
    from hesui.serve.app import build_generators, create_app

    if args.max_batch < 1 or args.max_queue < 1:
        raise UserError("--max-batch and --max-queue must be at least 1")
    _check_listen(args.host, args.port)  # before the model loads: a busy port should not cost a minute
    try:
        import uvicorn

        generators = build_generators(args.model, args.adapter, engine=args.engine)
    except ImportError as e:
        raise UserError(f"hesui serve needs fastapi and uvicorn ({e.name} is missing): pip install fastapi uvicorn")
    except (ValueError, ModelError) as e:
        raise UserError(str(e)) from None
    app = create_app(generators, api_key=args.api_key, max_batch=args.max_batch, max_queue=args.max_queue)
    print(f"hesui: serving {', '.join(generators)} on http://{args.host}:{args.port} "
          f"(OpenAI /v1/chat/completions, Qianfan /rpc/2.0/ai_custom/v1/wenxinworkshop/chat/<model>, page /)",
          file=sys.stderr)
    try:
        uvicorn.run(app, host=args.host, port=args.port, log_level="warning")
    except (OSError, SystemExit):
        raise UserError(f"cannot serve on {args.host}:{args.port} (see uvicorn's message above)") from None
    return 0


def _check_listen(host: str, port: int) -> None:
    """One line, not a traceback, for a port out of range, an address in use or one this machine does not have."""
    import socket

    if not 0 < port < 65536:
        raise UserError(f"--port must be between 1 and 65535, not {port}")
    try:
        with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((host, port))
    except OSError as e:
        raise UserError(f"cannot listen on {host}:{port}: {e.strerror or e}") from None


def add_serve(sub) -> None:
    p = sub.add_parser("serve", help="the model behind OpenAI- and Qianfan-compatible chat APIs, plus a playground",
                       description="Serve named models: 'hesui' (the base plus --adapter, or models/hesui-lora when "
                                   "it exists, with the length controller) and 'hesui-base' (the plain base model).")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    p.add_argument("--model", help="a local Hugging Face model directory or a .gguf file (default: the embedded base)")
    p.add_argument("--adapter", help="a PEFT adapter for 'hesui' (default: models/hesui-lora if present)")
    p.add_argument("--api-key", help="require this key (Bearer header or ?access_token=) on every route but "
                                     "/healthz and the page")
    p.add_argument("--max-batch", type=int, default=8, help="requests decoded together (default 8)")
    p.add_argument("--max-queue", type=int, default=32,
                   help="requests waiting at most; past it a request is refused at once (default 32)")
    add_engine_arg(p)
    p.set_defaults(func=cmd_serve)


# --- the table ----------------------------------------------------------------------------------------

COMMANDS: dict[str, Callable] = {"parse": add_parse, "write": add_write, "data": add_data, "eval": add_eval,
                                 "compare": add_compare,
                                 "train": add_train, "export": add_export, "serve": add_serve}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="hesui", description="Chinese New Year copy that obeys the length you ask for.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for add in COMMANDS.values():
        add(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    argv = sys.argv[1:] if argv is None else argv
    args = parser.parse_args(argv)
    args.argv = argv
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_USAGE
    try:
        return args.func(args)
    except UserError as e:
        print(f"hesui: {e}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("hesui: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
