fn main() {
    std::process::exit(gomemfix::cli::main_exit_code());
}
