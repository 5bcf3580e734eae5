//! Throwaway: EXPLAIN QUERY PLAN with the bundled SQLite, one statement per stdin line.
use std::io::BufRead;
#[tokio::main(flavor = "current_thread")]
async fn main() {
    let path = std::env::args().nth(1).unwrap();
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{path}")).await.unwrap();
    for line in std::io::stdin().lock().lines() {
        let line = line.unwrap();
        if line.trim().is_empty() { continue; }
        println!("== {}", &line[..line.len().min(150)]);
        let rows: Vec<(i64, i64, i64, String)> = sqlx::query_as(sqlx::AssertSqlSafe(format!("EXPLAIN QUERY PLAN {line}"))).fetch_all(&pool).await.unwrap();
        for r in rows { println!("   {} {}", r.1, r.3); }
        let t = std::time::Instant::now();
        let n = sqlx::query(sqlx::AssertSqlSafe(line.clone())).fetch_all(&pool).await.map(|r| r.len());
        println!("   rows {:?} in {:?}", n, t.elapsed());
    }
}
