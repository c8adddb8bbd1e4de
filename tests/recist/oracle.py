"""A straightforward per-subject implementation of the same RECIST 1.1 rules.

Written independently of ``oncotrial.recist`` (plain Python loops over one subject at a
time, no shared helpers) so that it can serve as an oracle for property tests and as the
baseline in ``benchmarks/bench_recist.py``. Only the rules are shared, as written in
docs/recist.md.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections import defaultdict

import pandas as pd

ORDER = ["CR", "PR", "SD", "NON-CR/NON-PD", "PD", "NE"]
WORST_FIRST = ["PD", "SD", "NON-CR/NON-PD", "PR", "CR", "NE"]


def parse_date(text):
    """First day of the period of an ISO date (None when empty); also whether it was partial."""
    if text is None or text != text or str(text).strip() == "":
        return None, False
    t = str(text).strip()
    if len(t) >= 10:
        return dt.date(int(t[0:4]), int(t[5:7]), int(t[8:10])), False
    if len(t) == 7:
        calendar.monthrange(int(t[0:4]), int(t[5:7]))
        return dt.date(int(t[0:4]), int(t[5:7]), 1), True
    return dt.date(int(t[0:4]), 1, 1), True


def _records(df: pd.DataFrame) -> list[dict]:
    return df.to_dict("records")


def _select(records, prefix, evaluator, evaluator_id):
    ev, evid, acpt = prefix + "EVAL", prefix + "EVALID", prefix + "ACPTFL"
    if records and ev not in records[0]:
        return records
    rows = [r for r in records if r.get(ev) == evaluator]
    if evaluator_id is not None:
        return [r for r in rows if r.get(evid) == evaluator_id]
    readers = defaultdict(set)
    for r in rows:
        v = r.get(evid)
        if v is not None and v == v:
            readers[r["USUBJID"]].add(v)
    return [r for r in rows if len(readers[r["USUBJID"]]) <= 1 or r.get(acpt) == "Y"]


def oracle_timepoints(tu, tr, settings, subjects=None) -> pd.DataFrame:
    """Per-subject loop: one dict per post-baseline assessment."""
    tr_rows = _select(_records(tr), "TR", settings.accepted_evaluator, settings.evaluator_id)
    tu_rows = _records(tu)
    nodal_of = {}
    for r in tu_rows:
        nodal_of.setdefault((r["USUBJID"], str(r["TULNKID"])), r.get("TULOC") == "LYMPH NODE")
    ref = {}
    if subjects is not None:
        for r in _records(subjects):
            v = r["REFSTDT"]
            ref[r["USUBJID"]] = None if v is None or v != v else pd.Timestamp(v).date()
    by_subject = defaultdict(list)
    for r in tr_rows:
        by_subject[r["USUBJID"]].append(r)
    out = []
    for usubjid, rows in by_subject.items():
        out.extend(_one_subject(usubjid, rows, nodal_of, ref.get(usubjid)))
    return pd.DataFrame(out)


def _one_subject(usubjid, rows, nodal_of, refdate):
    visits = defaultdict(list)
    for r in rows:
        visits[float(r["VISITNUM"])].append(r)
    dates = {}
    prev = None
    for v in sorted(visits):
        parsed = [parse_date(r["TRDTC"]) for r in visits[v]]
        parsed = [p for p in parsed if p[0] is not None]
        d, partial = min(parsed)
        if partial and prev is not None and d <= prev:
            d = prev + dt.timedelta(days=1)
        dates[v] = d
        prev = d
    order = sorted(visits, key=lambda v: (dates[v], v))
    if refdate is None:
        base_v = order[0]
    else:
        before = [v for v in order if dates[v] <= refdate]
        base_v = before[-1] if before else None
    post = order[order.index(base_v) + 1 :] if base_v is not None else order
    targets, nts = {}, set()
    if base_v is not None:
        recs = visits[base_v]
        ids = {str(r["TRLNKID"]) for r in recs if r["TRGRPID"] == "TARGET"}
        for i in sorted(ids):
            tests = {r["TRTESTCD"] for r in recs if str(r["TRLNKID"]) == i and r["TRGRPID"] == "TARGET"}
            nodal = nodal_of.get((usubjid, i))
            if nodal is None:
                nodal = "LPERP" in tests and "LDIAM" not in tests
            targets[i] = nodal
        nts = {str(r["TRLNKID"]) for r in recs if r["TRGRPID"] == "NON-TARGET"}
    base_sum = None
    if targets:
        base_sum = 0.0
        for i, nodal in targets.items():
            val = _target_value(visits[base_v], i, nodal, targets)
            base_sum += 0.0 if val is None else val
    # New lesions confirmed later are dated from their first observation.
    first_seen, confirmed_new = {}, set()
    for v in post:
        for r in visits[v]:
            if r["TRGRPID"] == "NEW" and r.get("TRSTAT") != "NOT DONE":
                first_seen.setdefault(str(r["TRLNKID"]), v)
                if r["TRSTRESC"] != "EQUIVOCAL":
                    confirmed_new.add(str(r["TRLNKID"]))
    nadir = base_sum
    out = []
    for v in post:
        recs = visits[v]
        trg = None
        total = None
        this_nadir = nadir
        if targets:
            total, missing, visible, big_node = 0.0, 0, False, False
            for i, nodal in targets.items():
                val = _target_value(recs, i, nodal, targets)
                if val is None:
                    missing += 1
                    continue
                total += val
                if nodal and val >= 10:
                    big_node = True
                if not nodal and val > 0:
                    visible = True
            eps = 1e-9
            if missing == 0 and not visible and not big_node:
                trg = "CR"
            elif total - nadir >= 5 - eps and total >= nadir * 1.2 - eps:
                trg = "PD"
            elif missing:
                trg = "NE"
            elif base_sum > 0 and total <= base_sum * 0.7 + eps:
                trg = "PR"
            else:
                trg = "SD"
            if missing == 0:
                nadir = min(nadir, total)
            if missing == len(targets):
                total = None  # no target measured: no sum (not 0 mm)
        ntrg = None
        if nts:
            states = []
            for i in sorted(nts):
                rec = [r for r in recs if r["TRGRPID"] == "NON-TARGET" and str(r["TRLNKID"]) == i]
                if not rec or rec[0].get("TRSTAT") == "NOT DONE":
                    states.append("NE")
                else:
                    states.append(rec[0]["TRSTRESC"])
            if "UNEQUIVOCAL PROGRESSION" in states:
                ntrg = "PD"
            elif any(s not in ("ABSENT", "PRESENT") for s in states):
                ntrg = "NE"
            elif all(s == "ABSENT" for s in states):
                ntrg = "CR"
            else:
                ntrg = "NON-CR/NON-PD"
        new = any(
            r["TRGRPID"] == "NEW" and r.get("TRSTAT") != "NOT DONE" and r["TRSTRESC"] != "EQUIVOCAL"
            for r in recs
        ) or any(first_seen[i] == v for i in confirmed_new)
        out.append(
            {
                "USUBJID": usubjid,
                "VISITNUM": v,
                "ADT": pd.Timestamp(dates[v]),
                "SUMDIAM": total,
                "BASE": base_sum,
                "NADIR": this_nadir,
                "TRGRESP": trg,
                "NTRGRESP": ntrg,
                "NEWLPROG": "Y" if new else "N",
                "OVRLRESP": _overall(trg, ntrg, new),
            }
        )
    return out


def _target_value(recs, lesion, nodal, targets):
    """The lesion's measure at one visit (fragments ``<id>.<n>`` added); None if not assessed."""
    want = "LPERP" if nodal else "LDIAM"
    total, seen, not_done = 0.0, False, False
    for r in recs:
        rid = str(r["TRLNKID"])
        if r["TRGRPID"] != "TARGET":
            continue
        own = rid == lesion
        frag = not own and rid.rsplit(".", 1)[0] == lesion and rid.rsplit(".", 1)[-1].isdigit() and "." in rid
        if not (own or frag):
            continue
        if r.get("TRSTAT") == "NOT DONE":
            not_done = True
            continue
        if r.get("TRSTRESC") == "MERGED":
            seen = True
            continue
        if r["TRTESTCD"] != want:
            continue
        val = r["TRSTRESN"]
        if val is None or val != val:
            continue
        total += float(val)
        seen = True
    return None if not_done or not seen else total


def _overall(trg, ntrg, new):
    if trg == "PD" or ntrg == "PD" or new:
        return "PD"
    if trg is not None:
        if trg == "CR":
            return "CR" if ntrg in (None, "CR") else "PR"
        return trg
    if ntrg is not None:
        return ntrg
    return "NE"


def oracle_best(timepoints, subjects, settings) -> pd.DataFrame:
    """Per-subject loop over the timepoints: BOR, CBOR and dates."""
    by = defaultdict(list)
    for r in _records(timepoints[["USUBJID", "ADT", "OVRLRESP"]]):
        if r["OVRLRESP"] and r["OVRLRESP"] == r["OVRLRESP"] and r["ADT"] == r["ADT"]:
            by[r["USUBJID"]].append((pd.Timestamp(r["ADT"]).date(), r["OVRLRESP"]))
    out = []
    for s in _records(subjects.drop_duplicates("USUBJID")):
        ref = s["REFSTDT"]
        ref = None if ref is None or ref != ref else pd.Timestamp(ref).date()
        nact = s.get("NACTDT")
        nact = None if nact is None or nact != nact else pd.Timestamp(nact).date()
        out.append({"USUBJID": s["USUBJID"], **_best_one(by.get(s["USUBJID"], []), ref, nact, settings)})
    return pd.DataFrame(out)


def _best_one(rows, ref, nact, settings):
    per_date = {}
    for d, resp in rows:
        if ref is not None and d < ref:
            continue
        if nact is not None and d > nact:
            continue
        if d not in per_date or WORST_FIRST.index(resp) < WORST_FIRST.index(per_date[d]):
            per_date[d] = resp
    seq = []
    for d in sorted(per_date):
        seq.append((d, per_date[d]))
        if per_date[d] == "PD":
            break

    def long_enough(d):
        return ref is not None and (d - ref).days >= settings.sd_min_days

    def level(resp):
        return {"CR": 2, "PR": 1}.get(resp, 0)

    def confirmed(i, c):
        d0, r0 = seq[i]
        if level(r0) < c:
            return False
        ne = 0
        for d, r in seq[i + 1 :]:
            if r == "NE":
                ne += 1
                continue
            if level(r) < c:
                return False
            if (d - d0).days >= max(settings.confirmation_min_days, 1):
                return settings.max_ne_between is None or ne <= settings.max_ne_between
        return False

    def first(pred):
        for i, (d, r) in enumerate(seq):
            if pred(i, d, r):
                return d
        return None

    bor = cbor = "NE"
    bordt = cbordt = None
    for resp, pred in [
        ("CR", lambda i, d, r: r == "CR"),
        ("PR", lambda i, d, r: r == "PR"),
        ("SD", lambda i, d, r: r in ("CR", "PR", "SD") and long_enough(d)),
        ("NON-CR/NON-PD", lambda i, d, r: r == "NON-CR/NON-PD" and long_enough(d)),
        ("PD", lambda i, d, r: r == "PD"),
        ("NE", lambda i, d, r: True),
    ]:
        d = first(pred)
        if d is not None:
            bor, bordt = resp, d
            break
    cr_before = [any(r == "CR" for _, r in seq[:i]) for i in range(len(seq))]
    for resp, pred in [
        ("CR", lambda i, d, r: confirmed(i, 2)),
        ("PR", lambda i, d, r: confirmed(i, 1)),
        ("SD", lambda i, d, r: r in ("CR", "PR", "SD") and long_enough(d)),
        ("NON-CR/NON-PD", lambda i, d, r: r == "NON-CR/NON-PD" and long_enough(d)),
        ("PD", lambda i, d, r: r == "PD"),
        ("PD", lambda i, d, r: r == "SD" and cr_before[i]),
        ("NE", lambda i, d, r: True),
    ]:
        d = first(pred)
        if d is not None:
            cbor, cbordt = resp, d
            break
    pd_dates = [d for d, r in seq if r == "PD"]
    adequate = [d for d, r in seq if r != "NE"]
    return {
        "BOR": bor,
        "BORDT": bordt,
        "CBOR": cbor,
        "CBORDT": cbordt,
        "FRSPDT": first(lambda i, d, r: confirmed(i, 1)),
        "PDDT": pd_dates[0] if pd_dates else None,
        "LSTADT": adequate[-1] if adequate else None,
    }
