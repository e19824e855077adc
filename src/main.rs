fn main() -> std::process::ExitCode {
    ipdesk::cli::main()
}
