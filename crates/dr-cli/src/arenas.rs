//! glibc's malloc gives each thread that allocates its own arena (up to 8 per core), and an
//! arena keeps the memory its threads freed for their next allocations. Compressed packets
//! are allocated by whichever pool thread reads a file, so over a run with many threads
//! each arena ends up holding its own high-water mark of packets, and the process's peak
//! grows with the thread count although the bytes in flight at any moment stay within
//! dr-decode's budget. The CLI owns its process, so it bounds the arenas once, at start,
//! before the pool's threads exist, and hands the free pages inside them back to the
//! system after each file ([`return_free_pages`]). (The C ABI's library does neither: the
//! host process's allocator is the host's business.) A `MALLOC_ARENA_MAX` set in the
//! environment wins.
//!
//! Two arenas, not one: with one, the two threads of a 2-core machine take turns at one
//! lock for every packet and buffer, which cost 4 % of the wall time of a whole run
//! (bench/RESULTS.md); two keep the default pool off each other, and the peak stays
//! within the same bound at 32 threads.

/// The arenas the CLI's process uses at most.
pub const MALLOC_ARENAS: i32 = 2;

/// Bounds glibc's malloc arenas to [`MALLOC_ARENAS`] unless `MALLOC_ARENA_MAX` is set;
/// returns whether it did. Call before starting threads. Elsewhere than Linux with glibc
/// (musl, macOS, Windows: allocators that do not keep an arena per thread) it does nothing.
pub fn bound_malloc_arenas() -> bool {
    if std::env::var_os("MALLOC_ARENA_MAX").is_some() {
        return false;
    }
    set_arena_max(MALLOC_ARENAS)
}

/// Returns the whole free pages inside malloc's heaps to the system (`malloc_trim`): what
/// a finished file's packets and buffers left free between blocks still in use, which
/// glibc would otherwise keep resident. Cheap next to a file's decoding (one walk of the
/// free lists); a no-op elsewhere than Linux with glibc.
pub fn return_free_pages() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim takes malloc's own locks and only releases pages no block uses;
    // glibc documents it as MT-safe.
    unsafe {
        libc::malloc_trim(0);
    }
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn set_arena_max(arenas: i32) -> bool {
    // SAFETY: mallopt sets one of malloc's tuning parameters under malloc's own lock; it
    // takes plain integers and touches no memory of ours. glibc documents it as MT-safe.
    unsafe { libc::mallopt(libc::M_ARENA_MAX, arenas) == 1 }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn set_arena_max(_arenas: i32) -> bool {
    false
}

#[cfg(all(test, target_os = "linux", target_env = "gnu"))]
mod tests {
    use super::*;
    use std::sync::Barrier;

    /// The arenas malloc has made so far: the `<heap nr=...>` entries of `malloc_info`.
    fn arenas() -> usize {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("malloc_info.xml");
        let c_path = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).expect("no NUL");
        // SAFETY: a fresh file opened for writing, handed to malloc_info and closed once.
        unsafe {
            let file = libc::fopen(c_path.as_ptr(), c"w".as_ptr());
            assert!(!file.is_null(), "fopen {}", path.display());
            assert_eq!(libc::malloc_info(0, file), 0);
            libc::fclose(file);
        }
        let xml = std::fs::read_to_string(&path).expect("malloc_info output");
        xml.matches("<heap nr=").count()
    }

    /// 16 threads allocating at once make no more arenas than the bound (glibc would make
    /// one each, up to 8 per core, without it).
    #[test]
    fn threads_share_the_bounded_arenas() {
        if std::env::var_os("MALLOC_ARENA_MAX").is_some() {
            return; // the environment decides, as in the CLI
        }
        assert!(bound_malloc_arenas());
        let before = arenas();
        let threads = 16;
        let barrier = Barrier::new(threads);
        std::thread::scope(|scope| {
            for n in 0..threads {
                let barrier = &barrier;
                scope.spawn(move || {
                    barrier.wait();
                    let blocks: Vec<Vec<u8>> = (0..64).map(|i| vec![n as u8; 1000 + i * 100]).collect();
                    barrier.wait();
                    drop(blocks);
                });
            }
        });
        let after = arenas();
        assert!(
            after <= before.max(MALLOC_ARENAS as usize),
            "{before} arenas before, {after} after 16 threads allocated"
        );
    }

    /// Resident memory of this process, bytes (`/proc/self/statm`: pages).
    fn resident_bytes() -> u64 {
        let statm = std::fs::read_to_string("/proc/self/statm").expect("statm");
        let pages: u64 = statm
            .split_whitespace()
            .nth(1)
            .expect("resident")
            .parse()
            .expect("number");
        pages * 4096
    }

    /// 32 MiB freed between blocks still in use stay resident until the pages go back.
    #[test]
    fn free_pages_between_live_blocks_are_returned() {
        const BLOCK: usize = 64 * 1024; // below malloc's mmap threshold: heap memory
        let mut blocks: Vec<Vec<u8>> = (0..512).map(|i| vec![i as u8 | 1; BLOCK]).collect();
        // A live block after them, so that freeing them leaves a hole, not a heap top
        // malloc would give back by itself.
        let fence = vec![7u8; BLOCK];
        blocks.clear();
        blocks.shrink_to_fit();
        let before = resident_bytes();
        return_free_pages();
        let after = resident_bytes();
        assert_eq!(fence[BLOCK - 1], 7);
        assert!(
            before.saturating_sub(after) >= 16 << 20,
            "resident {before} bytes before, {after} after returning the free pages"
        );
    }
}
