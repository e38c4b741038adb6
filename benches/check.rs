//! `kpic check` on a generated spec with many KPIs (docs/performance.md).
//!
//! `cargo bench --bench check` prints the median wall time of the whole front end
//! (parse, resolve, type-check, lint) for 500, 1,000 and 5,000 KPIs, and writes the
//! 5,000-KPI spec to target/bench-5000.kpi for the end-to-end measurement
//! (`benches/check_e2e.sh`).

use std::time::{Duration, Instant};

/// A realistic spec: one source per 50 KPIs, and per KPI a filter, a metric, a
/// derived metric and the KPI itself.
pub fn generate(kpis: usize) -> String {
    let mut s = String::new();
    let sources = kpis.div_ceil(50);
    for i in 0..sources {
        s.push_str(&format!(
            "source orders_{i} from \"data/orders_{i}.csv\" {{\n  time created_at: datetime\n  manager: text\n  city: text\n  status: text\n  amount: money(RUB)\n  units: int\n}}\n\n"
        ));
    }
    for k in 0..kpis {
        let src = k / 50;
        s.push_str(&format!(
            "filter paid_{k} = orders_{src}.status == \"paid\" and orders_{src}.city in [\"Moscow\", \"Kazan\"]\n\
             metric revenue_{k} = sum(orders_{src}.amount) where paid_{k}\n\
             metric avg_check_{k} = revenue_{k} / count(orders_{src} where paid_{k})\n\n\
             kpi kpi_{k} \"KPI {k}\" {{\n  metric avg_check_{k}\n  per month\n  by manager\n  target >= {} RUB\n  warn within 10%\n  owner \"Sales\"\n}}\n\n",
            1000 + k
        ));
    }
    s
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    for n in [500, 1_000, 5_000] {
        let spec = generate(n);
        let mut times = Vec::new();
        for _ in 0..7 {
            let start = Instant::now();
            let checked = kpic::check_text("bench.kpi", &spec);
            times.push(start.elapsed());
            assert!(!checked.has_errors(), "generated spec must check clean");
        }
        let mut parse_times = Vec::new();
        for _ in 0..7 {
            let start = Instant::now();
            let (module, _) = kpic::syntax::parse(kpic::span::FileId(0), &spec);
            parse_times.push(start.elapsed());
            assert!(!module.decls.is_empty());
        }
        println!(
            "check {n:>5} KPIs ({:>5} lines): median {:>8.2?} (of which parsing {:>8.2?})",
            spec.lines().count(),
            median(times),
            median(parse_times)
        );
        if n == 5_000 {
            let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target");
            let _ = std::fs::create_dir_all(&dir);
            let _ = std::fs::write(dir.join("bench-5000.kpi"), &spec);
        }
    }
}
