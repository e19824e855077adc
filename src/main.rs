// An import allocates millions of small strings; mimalloc keeps that cheap and the memory compact.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    ipdesk::cli::main()
}
