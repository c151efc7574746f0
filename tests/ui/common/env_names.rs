// Shared by the trybuild pass cases through `include!` (each case is its own crate, so a module
// cannot be shared): the env variable names of container 0 of the stack's `deployment`, in order.
fn env_names(stack: &Stack) -> Vec<String> {
    let built = stack.build().unwrap_or_else(|e| panic!("{e}"));
    let env = &built["deployment"].body()["spec"]["template"]["spec"]["containers"][0]["env"];
    env.as_array().unwrap().iter().map(|e| e["name"].as_str().unwrap().to_owned()).collect()
}
