//! Engine tests against a real SQLite store and, where tasks run, the real plugins
//! (`plugins/build.sh` builds them into `plugins/dist/`).

mod callbacks;
mod clock;
mod crash;
mod express;
mod flows;
mod http_task;
mod map_runs;
mod mocks;
mod nested;
mod recovery;
mod support;
mod test_state;
