//! `cache/stats` and `cache/clear`: the shared cache as clients see it.

use super::{unknown_profile, ApiError};
use crate::rpc::Routes;
use crate::rpc::{Ctx, Register};
use crate::service::state::AppState;
use jirad_protocol::cache::*;
use jirad_protocol::NoParams;
use std::convert::Infallible;

/// Registers the family.
pub fn register_all(m: &mut Routes<AppState>) {
    m.request::<CacheStats>(stats).request::<CacheClear>(clear);
}

fn kind(k: crate::cache::KindStats) -> KindStats {
    KindStats {
        entries: k.entries,
        bytes: k.bytes,
    }
}

async fn stats(_: NoParams, cx: Ctx<AppState>) -> Result<CacheStatsResult, Infallible> {
    let s = cx.app.cache.stats();
    let reg = &cx.app.watches.registry;
    Ok(CacheStatsResult {
        hits: s.hits,
        misses: s.misses,
        coalesced: s.coalesced,
        stale_answers: s.stale_answers,
        issues: kind(s.issues),
        lists: kind(s.lists),
        meta: kind(s.meta),
        watch_pollers: reg.pollers() as u64,
        watches: reg.subscribers() as u64,
    })
}

fn totals(s: &crate::cache::CacheStats) -> (u64, u64) {
    let all = [s.issues, s.lists, s.meta];
    (
        all.iter().map(|k| k.entries).sum(),
        all.iter().map(|k| k.bytes).sum(),
    )
}

async fn clear(p: CacheClearParams, cx: Ctx<AppState>) -> Result<CacheClearResult, ApiError> {
    let cache = &cx.app.cache;
    let before = totals(&cache.stats());
    match &p.profile {
        Some(profile) if !cx.app.config.profiles.contains_key(profile) => {
            return Err(unknown_profile(&cx.app.config, profile));
        }
        Some(profile) => cache.clear_profile(profile),
        None => cache.clear_all(),
    }
    let after = totals(&cache.stats());
    Ok(CacheClearResult {
        entries: before.0.saturating_sub(after.0),
        bytes: before.1.saturating_sub(after.1),
    })
}
