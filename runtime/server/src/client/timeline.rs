//! History events as readable text: a timeline (`stepwasm history`) and the functions' log
//! lines (`stepwasm logs`).

use std::collections::HashMap;

use serde_json::Value;

/// The event's detail object (the one member ending in `EventDetails`).
fn details(e: &Value) -> Option<&serde_json::Map<String, Value>> {
    e.as_object()?.iter().find(|(k, _)| k.ends_with("EventDetails")).and_then(|(_, v)| v.as_object())
}

/// The name of the state an event belongs to: the nearest `…StateEntered` up the
/// `previousEventId` chain.
fn owner<'a>(e: &'a Value, by_id: &HashMap<u64, &'a Value>) -> Option<&'a str> {
    let mut cur = e;
    for _ in 0..10_000 {
        let ty = cur["type"].as_str().unwrap_or("");
        if ty.ends_with("StateEntered") || ty.ends_with("StateExited") {
            return details(cur).and_then(|d| d.get("name")).and_then(Value::as_str);
        }
        let prev = cur["previousEventId"].as_u64().unwrap_or(0);
        cur = by_id.get(&prev)?;
    }
    None
}

fn short(text: &str, max: usize) -> String {
    let one_line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() <= max {
        one_line
    } else {
        let cut: String = one_line.chars().take(max.saturating_sub(1)).collect();
        format!("{cut}…")
    }
}

/// One line per event: number, time since the start, type, and what matters of its details.
pub fn timeline(events: &[Value], width: usize) -> String {
    let start = events.first().and_then(|e| e["timestamp"].as_f64()).unwrap_or(0.0);
    let mut out = String::new();
    out.push_str(&format!("{:>5}  {:>9}  {:<28}  {}\n", "#", "elapsed", "event", "details"));
    let room = width.saturating_sub(50).max(20);
    for e in events {
        let id = e["id"].as_u64().unwrap_or(0);
        let at = e["timestamp"].as_f64().unwrap_or(start) - start;
        let ty = e["type"].as_str().unwrap_or("?");
        let mut bits: Vec<String> = Vec::new();
        if let Some(d) = details(e) {
            if let Some(n) = d.get("name").and_then(Value::as_str) {
                bits.push(n.to_string());
            }
            if let Some(i) = d.get("index").and_then(Value::as_u64) {
                bits.push(format!("item {i}"));
            }
            if let Some(n) = d.get("length").and_then(Value::as_u64) {
                bits.push(format!("{n} items"));
            }
            if let (Some(rt), Some(r)) = (d.get("resourceType").and_then(Value::as_str), d.get("resource").and_then(Value::as_str)) {
                if ty.ends_with("Scheduled") {
                    bits.push(format!("{rt}:{r}"));
                }
            }
            if let Some(err) = d.get("error").and_then(Value::as_str) {
                bits.push(format!("error {err}"));
            }
            if let Some(c) = d.get("cause").and_then(Value::as_str) {
                bits.push(format!("cause {}", short(c, room / 2)));
            }
            for k in ["input", "parameters", "output"] {
                if let Some(v) = d.get(k).and_then(Value::as_str) {
                    if ty.starts_with("Execution") || ty.ends_with("Exited") || ty.ends_with("Scheduled") || ty == "TaskSucceeded" {
                        bits.push(format!("{k} {v}"));
                    }
                }
            }
            if let Some(logs) = d.get("logs").and_then(Value::as_array) {
                bits.push(format!("({} log line{})", logs.len(), if logs.len() == 1 { "" } else { "s" }));
            }
        }
        out.push_str(&format!("{id:>5}  {at:>8.3}s  {ty:<28}  {}\n", short(&bits.join(" · "), room)));
    }
    out
}

/// Every log line the functions wrote, with its time and state.
pub fn log_lines(events: &[Value]) -> String {
    let by_id: HashMap<u64, &Value> = events.iter().filter_map(|e| Some((e["id"].as_u64()?, e))).collect();
    let start = events.first().and_then(|e| e["timestamp"].as_f64()).unwrap_or(0.0);
    let mut out = String::new();
    for e in events {
        let Some(d) = details(e) else { continue };
        let at = e["timestamp"].as_f64().unwrap_or(start) - start;
        let state = owner(e, &by_id).unwrap_or("-");
        if let Some(logs) = d.get("logs").and_then(Value::as_array) {
            for l in logs {
                let level = l["level"].as_str().unwrap_or("info").to_ascii_uppercase();
                let message = l["message"].as_str().unwrap_or("");
                out.push_str(&format!("+{at:.3}s  {state}  [{level}] {message}\n"));
            }
        }
        let ty = e["type"].as_str().unwrap_or("");
        if ty.ends_with("Failed") || ty.ends_with("TimedOut") {
            if let Some(err) = d.get("error").and_then(Value::as_str) {
                let cause = d.get("cause").and_then(Value::as_str).unwrap_or("");
                out.push_str(&format!("+{at:.3}s  {state}  [{ty}] {err}: {cause}\n"));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn events() -> Vec<Value> {
        vec![
            json!({"id": 1, "previousEventId": 0, "timestamp": 100.0, "type": "ExecutionStarted", "executionStartedEventDetails": {"input": "{\"a\":1}"}}),
            json!({"id": 2, "previousEventId": 0, "timestamp": 100.001, "type": "TaskStateEntered", "stateEnteredEventDetails": {"name": "Charge", "input": "{}"}}),
            json!({"id": 3, "previousEventId": 2, "timestamp": 100.002, "type": "TaskScheduled", "taskScheduledEventDetails": {"resourceType": "wasm", "resource": "charge", "parameters": "{}"}}),
            json!({"id": 4, "previousEventId": 3, "timestamp": 100.010, "type": "TaskSucceeded", "taskSucceededEventDetails": {"output": "{\"ok\":true}", "logs": [{"level": "info", "message": "charged 12"}]}}),
            json!({"id": 5, "previousEventId": 4, "timestamp": 100.011, "type": "TaskFailed", "taskFailedEventDetails": {"error": "Declined", "cause": "card"}}),
        ]
    }

    #[test]
    fn the_timeline_has_a_line_per_event() {
        let t = timeline(&events(), 120);
        let lines: Vec<&str> = t.lines().collect();
        assert_eq!(lines.len(), 6, "{t}");
        assert!(lines[2].contains("TaskStateEntered") && lines[2].contains("Charge"), "{t}");
        assert!(lines[3].contains("wasm:charge"), "{t}");
        assert!(lines[4].contains("0.010s") && lines[4].contains("(1 log line)"), "{t}");
        assert!(lines[5].contains("error Declined"), "{t}");
    }

    #[test]
    fn log_lines_name_their_state() {
        let l = log_lines(&events());
        assert_eq!(l, "+0.010s  Charge  [INFO] charged 12\n+0.011s  Charge  [TaskFailed] Declined: card\n");
    }
}
