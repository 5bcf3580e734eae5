//! The observation level: `AND`, `OR`, `FOLLOWEDBY` and the qualifiers, over *bindings*.
//!
//! A binding is the list of observation instances (observation index, instance number) chosen
//! for the `[...]` of an expression. Operators join bindings that share no instance; the
//! joins and the `REPEATS` combinations enumerate candidates in upstream's order, so the first
//! binding found, whose observed-data is reported, is upstream's first binding too.
//!
//! Upstream creates `number_observed` instances per observation; a binding never holds more
//! instances than the pattern has `[...]` slots (counting repeats), and instances of one
//! observation are interchangeable, so no more than that many are created here.

use super::select;
use super::{Budget, MatchError, Observation, compare};
use crate::ast::{ObservationExpr, ObservationKind, Pattern, Qualifier};

/// The most bindings one expression may produce before matching gives up as too complex.
pub const MAX_BINDINGS: usize = 1_000_000;

/// An observation instance: (observation index, instance number).
pub(super) type Inst = (u32, u32);
type Binding = Vec<Inst>;

struct Context<'o, 'a> {
    observations: &'o [Observation<'a>],
    instances_max: u64,
    budget: &'o mut Budget,
}

/// The first binding satisfying the pattern, if any.
pub(super) fn first_binding(
    pattern: &Pattern,
    observations: &[Observation<'_>],
    budget: &mut Budget,
) -> Result<Option<Vec<Inst>>, MatchError> {
    let mut context = Context { observations, instances_max: slots(&pattern.expr), budget };
    Ok(evaluate(&pattern.expr, &mut context)?.into_iter().next())
}

/// How many `[...]` a binding of `expr` holds at most (upstream's expected binding size).
fn slots(expr: &ObservationExpr) -> u64 {
    let base = match &expr.kind {
        ObservationKind::Comparison(_) => 1,
        ObservationKind::Group(inner) => slots(inner),
        ObservationKind::And(items) | ObservationKind::Or(items) | ObservationKind::FollowedBy(items) => {
            items.iter().map(slots).fold(0u64, u64::saturating_add)
        }
    };
    expr.qualifiers.iter().fold(base, |n, q| match q {
        Qualifier::Repeats { times, .. } => n.saturating_mul(*times),
        _ => n,
    })
}

fn evaluate(expr: &ObservationExpr, cx: &mut Context<'_, '_>) -> Result<Vec<Binding>, MatchError> {
    let mut bindings = match &expr.kind {
        ObservationKind::Comparison(comparison) => {
            let map = select::evaluate(comparison, cx.observations, cx.budget)?;
            let mut out = Vec::new();
            for (index, _) in map.entries {
                let seen = cx.observations[index as usize].number_observed;
                let count = seen.min(cx.instances_max).min(MAX_BINDINGS as u64);
                cx.budget.spend(count)?;
                out.extend((0..count as u32).map(|i| vec![(index, i)]));
                check_size(out.len())?;
            }
            out
        }
        ObservationKind::Group(inner) => evaluate(inner, cx)?,
        ObservationKind::And(items) | ObservationKind::Or(items) | ObservationKind::FollowedBy(items) => {
            // Every operand is evaluated before joining, so errors do not depend on the data.
            let mut operands = Vec::with_capacity(items.len());
            for item in items {
                operands.push(evaluate(item, cx)?);
            }
            let mut operands = operands.into_iter();
            let mut acc = operands.next().unwrap_or_default();
            for rhs in operands {
                acc = match &expr.kind {
                    ObservationKind::Or(_) => interleave(acc, rhs),
                    ObservationKind::And(_) => join(acc, rhs, cx, |_, _, _| true)?,
                    _ => join(acc, rhs, cx, followed_by)?,
                };
            }
            acc
        }
    };
    for qualifier in &expr.qualifiers {
        bindings = qualify(bindings, qualifier, cx)?;
    }
    Ok(bindings)
}

fn check_size(len: usize) -> Result<(), MatchError> {
    if len > MAX_BINDINGS { Err(MatchError::TooComplex) } else { Ok(()) }
}

fn disjoint(a: &[Inst], b: &[Inst]) -> bool {
    a.iter().all(|x| !b.contains(x))
}

fn interval(observations: &[Observation<'_>], inst: &Inst) -> (i128, i128) {
    let o = &observations[inst.0 as usize];
    (o.first_us, o.last_us)
}

/// `FOLLOWEDBY`: some choice of times puts every left instance no later than every right one.
fn followed_by(observations: &[Observation<'_>], lhs: &[Inst], rhs: &[Inst]) -> bool {
    let lhs_first_latest = lhs.iter().map(|i| interval(observations, i).0).max();
    let rhs_last_earliest = rhs.iter().map(|i| interval(observations, i).1).min();
    match (lhs_first_latest, rhs_last_earliest) {
        (Some(l), Some(r)) => l <= r,
        _ => true,
    }
}

/// `OR`: left and right bindings alternately, as upstream yields them.
fn interleave(lhs: Vec<Binding>, rhs: Vec<Binding>) -> Vec<Binding> {
    let mut out = Vec::with_capacity(lhs.len() + rhs.len());
    let mut lhs = lhs.into_iter();
    let mut rhs = rhs.into_iter();
    loop {
        let (l, r) = (lhs.next(), rhs.next());
        if l.is_none() && r.is_none() {
            return out;
        }
        out.extend(l);
        out.extend(r);
    }
}

/// `AND` / `FOLLOWEDBY`: every disjoint left+right pair that `accept`s, in upstream's
/// alternating order (each new right binding against the left ones seen so far, then each new
/// left binding against the right ones seen so far).
fn join(
    lhs: Vec<Binding>,
    rhs: Vec<Binding>,
    cx: &mut Context<'_, '_>,
    accept: fn(&[Observation<'_>], &[Inst], &[Inst]) -> bool,
) -> Result<Vec<Binding>, MatchError> {
    let mut out = Vec::new();
    if lhs.is_empty() || rhs.is_empty() {
        return Ok(out);
    }
    let (mut li, mut ri) = (0, 0);
    let mut pair = |l: &Binding, r: &Binding, out: &mut Vec<Binding>| -> Result<(), MatchError> {
        cx.budget.spend((l.len() * r.len()) as u64 + 1)?;
        if disjoint(l, r) && accept(cx.observations, l, r) {
            out.push(l.iter().chain(r).copied().collect());
            check_size(out.len())?;
        }
        Ok(())
    };
    while li < lhs.len() || ri < rhs.len() {
        if ri < rhs.len() {
            for l in &lhs[..li] {
                pair(l, &rhs[ri], &mut out)?;
            }
            ri += 1;
        }
        if li < lhs.len() {
            for r in &rhs[..ri] {
                pair(&lhs[li], r, &mut out)?;
            }
            li += 1;
        }
    }
    Ok(out)
}

fn qualify(
    bindings: Vec<Binding>,
    qualifier: &Qualifier,
    cx: &mut Context<'_, '_>,
) -> Result<Vec<Binding>, MatchError> {
    match qualifier {
        Qualifier::Within { seconds, .. } => {
            if seconds.partial_cmp(&0.0) != Some(std::cmp::Ordering::Greater) {
                return Err(MatchError::InvalidQualifier(format!("WITHIN must be positive, got {seconds}")));
            }
            // Microseconds, as upstream's datetime arithmetic (saturating for huge values).
            let window = (seconds * 1e6).round() as i128;
            Ok(bindings.into_iter().filter(|b| within(cx.observations, b, window)).collect())
        }
        Qualifier::Repeats { times, .. } => {
            if *times == 0 {
                return Err(MatchError::InvalidQualifier("REPEATS must be at least 1".to_owned()));
            }
            repeats(bindings, *times, cx)
        }
        Qualifier::StartStop { start, stop, .. } => {
            for t in [start, stop] {
                if t.is_leap_second() {
                    return Err(MatchError::UnsupportedTimestamp { value: t.to_string() });
                }
            }
            let (start, stop) = (compare::micros(start), compare::micros(stop));
            if start >= stop {
                return Ok(Vec::new());
            }
            Ok(bindings
                .into_iter()
                .filter(|b| {
                    b.iter().all(|inst| {
                        let (first, last) = interval(cx.observations, inst);
                        // Overlap with [start, stop), touching at start allowed, at stop not.
                        first < stop && start <= last
                    })
                })
                .collect())
        }
    }
}

/// Whether a window of `window` microseconds can overlap every instance's time interval: it is
/// enough to try the window starting at the earliest `last_observed`.
fn within(observations: &[Observation<'_>], binding: &[Inst], window: i128) -> bool {
    let Some(earliest_last) = binding.iter().map(|i| interval(observations, i).1).min() else {
        return true;
    };
    let end = earliest_last.saturating_add(window);
    binding.iter().all(|i| interval(observations, i).0 <= end)
}

/// `REPEATS n`: every set of `n` pairwise-disjoint bindings, flattened, ordered as upstream
/// (by the position of the last member, then lexicographically).
fn repeats(bindings: Vec<Binding>, times: u64, cx: &mut Context<'_, '_>) -> Result<Vec<Binding>, MatchError> {
    if times == 1 {
        return Ok(bindings);
    }
    let mut out = Vec::new();
    let Ok(need) = usize::try_from(times) else {
        return Ok(out);
    };
    if need > bindings.len() {
        return Ok(out);
    }
    for last in (need - 1)..bindings.len() {
        let mut candidates = Vec::new();
        for i in 0..last {
            cx.budget.spend(1)?;
            if disjoint(&bindings[i], &bindings[last]) {
                candidates.push(i);
            }
        }
        combinations(&bindings, candidates, need - 1, cx.budget, &mut |chosen| {
            let mut flat: Binding = chosen.iter().flat_map(|&i| bindings[i].iter().copied()).collect();
            flat.extend(bindings[last].iter().copied());
            out.push(flat);
            check_size(out.len())
        })?;
    }
    Ok(out)
}

/// Calls `emit` with every `k`-subset (as increasing positions) of `candidates` whose bindings
/// are pairwise disjoint, in lexicographic order. Iterative: `k` may be large.
fn combinations(
    bindings: &[Binding],
    candidates: Vec<usize>,
    k: usize,
    budget: &mut Budget,
    emit: &mut dyn FnMut(&[usize]) -> Result<(), MatchError>,
) -> Result<(), MatchError> {
    debug_assert!(k >= 1);
    struct Frame {
        candidates: Vec<usize>,
        next: usize,
    }
    let mut frames = vec![Frame { candidates, next: 0 }];
    let mut chosen: Vec<usize> = Vec::with_capacity(k);
    while let Some(frame) = frames.last_mut() {
        let need = k - chosen.len();
        if frame.next + need > frame.candidates.len() {
            frames.pop();
            chosen.pop();
            continue;
        }
        let pick = frame.candidates[frame.next];
        frame.next += 1;
        budget.spend(1)?;
        if need == 1 {
            chosen.push(pick);
            emit(&chosen)?;
            chosen.pop();
            continue;
        }
        let rest: Vec<usize> = frame.candidates[frame.next..]
            .iter()
            .copied()
            .filter(|&c| disjoint(&bindings[pick], &bindings[c]))
            .collect();
        budget.spend(rest.len() as u64)?;
        chosen.push(pick);
        frames.push(Frame { candidates: rest, next: 0 });
    }
    Ok(())
}
