//! The precompiled-module cache on disk.
//!
//! A file is named by the sha256 of the WebAssembly bytes and a digest of the engine's
//! compatibility hash, so a restart with the same engine settings maps the file (wasmtime's
//! `deserialize_file`) instead of compiling, and a changed engine never reads a stale file.

use sha2::{Digest, Sha256};
use std::hash::{Hash, Hasher};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use wasmtime::component::Component;
use wasmtime::{Engine, Module};

/// Feeds `Hash` output into sha256, giving a digest that is stable across processes.
struct Sha256Hasher(Sha256);

impl Hasher for Sha256Hasher {
    fn write(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }
    fn finish(&self) -> u64 {
        // Only `write` is used; the digest is read from the inner hasher.
        0
    }
}

/// The on-disk cache of one engine.
pub(crate) struct ModuleCache {
    dir: PathBuf,
    engine_digest: String,
    /// Loads served by an artifact already on disk.
    pub(crate) hits: AtomicU64,
    /// Loads that had to compile.
    pub(crate) misses: AtomicU64,
}

/// What is cached: the artifact kinds differ and must not be confused.
#[derive(Clone, Copy)]
pub(crate) enum ArtifactKind {
    Module,
    Component,
}

/// A cache failure, with the file involved.
pub(crate) struct CacheError {
    pub(crate) path: PathBuf,
    pub(crate) message: String,
}

/// A compile failure: the bytes are not valid WebAssembly.
pub(crate) enum CompileError {
    Invalid(String),
    Cache(CacheError),
}

static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

impl ModuleCache {
    pub(crate) fn new(dir: PathBuf, engine: &Engine) -> Self {
        let mut hasher = Sha256Hasher(Sha256::new());
        engine.precompile_compatibility_hash().hash(&mut hasher);
        let digest = hasher.0.finalize();
        ModuleCache {
            dir,
            engine_digest: hex::encode(digest.get(..8).unwrap_or_default()),
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
        }
    }

    /// Where the artifact for `bytes` lives.
    pub(crate) fn path_for(&self, bytes: &[u8], kind: ArtifactKind) -> PathBuf {
        let suffix = match kind {
            ArtifactKind::Module => "cwasm",
            ArtifactKind::Component => "ccomp",
        };
        let digest = hex::encode(Sha256::digest(bytes));
        self.dir
            .join(format!("{digest}-{}.{suffix}", self.engine_digest))
    }

    /// Loads a core module, compiling and caching it on a miss.
    pub(crate) fn module(&self, engine: &Engine, bytes: &[u8]) -> Result<Module, CompileError> {
        let path = self.path_for(bytes, ArtifactKind::Module);
        if path.is_file() {
            // SAFETY: the file was written by `store` below from `Engine::precompile_module`
            // of this engine configuration (the name carries its compatibility digest). The
            // cache directory belongs to the host; wasmtime still checks the header and
            // engine compatibility and returns an error for a foreign or truncated file.
            if let Ok(module) = unsafe { Module::deserialize_file(engine, &path) } {
                self.hits.fetch_add(1, Ordering::Relaxed);
                return Ok(module);
            }
        }
        self.misses.fetch_add(1, Ordering::Relaxed);
        let artifact = engine
            .precompile_module(bytes)
            .map_err(|e| CompileError::Invalid(crate::error::chain_message(&e)))?;
        self.store(&path, &artifact).map_err(CompileError::Cache)?;
        // SAFETY: just written from `precompile_module` of this engine, see above.
        unsafe { Module::deserialize_file(engine, &path) }.map_err(|e| {
            CompileError::Cache(CacheError {
                path,
                message: crate::error::chain_message(&e),
            })
        })
    }

    /// Loads a component, compiling and caching it on a miss.
    pub(crate) fn component(
        &self,
        engine: &Engine,
        bytes: &[u8],
    ) -> Result<Component, CompileError> {
        let path = self.path_for(bytes, ArtifactKind::Component);
        if path.is_file() {
            // SAFETY: as for modules: written by `store` from `precompile_component` of this
            // engine configuration; wasmtime checks header and compatibility.
            if let Ok(component) = unsafe { Component::deserialize_file(engine, &path) } {
                self.hits.fetch_add(1, Ordering::Relaxed);
                return Ok(component);
            }
        }
        self.misses.fetch_add(1, Ordering::Relaxed);
        let artifact = engine
            .precompile_component(bytes)
            .map_err(|e| CompileError::Invalid(crate::error::chain_message(&e)))?;
        self.store(&path, &artifact).map_err(CompileError::Cache)?;
        // SAFETY: just written from `precompile_component` of this engine, see above.
        unsafe { Component::deserialize_file(engine, &path) }.map_err(|e| {
            CompileError::Cache(CacheError {
                path,
                message: crate::error::chain_message(&e),
            })
        })
    }

    /// Writes an artifact atomically: to a temporary file in the same directory, then renamed,
    /// so a concurrent reader or a crash never sees half a file.
    fn store(&self, path: &Path, artifact: &[u8]) -> Result<(), CacheError> {
        let err = |message: String| CacheError {
            path: path.to_path_buf(),
            message,
        };
        let temp = self.dir.join(format!(
            ".tmp-{}-{}",
            std::process::id(),
            TEMP_COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        let write = || -> std::io::Result<()> {
            let mut file = std::fs::File::create(&temp)?;
            file.write_all(artifact)?;
            file.sync_all()?;
            std::fs::rename(&temp, path)
        };
        write().map_err(|e| {
            let _ = std::fs::remove_file(&temp);
            err(format!("cannot write: {e}"))
        })
    }
}
