// An import allocates millions of small strings; mimalloc keeps that cheap and the memory compact.
// It also stands in for the C library's malloc (the crate's "override" feature), so that SQLite's
// allocations, a large import's many pages and cells, are as cheap; and it leaves transparent huge
// pages alone ("no_thp"): each first touch of one zeroes 2 MiB, more memory and no faster here.
#[cfg(feature = "mimalloc")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    ipdesk::cli::main()
}
