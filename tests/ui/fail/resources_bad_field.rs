use kubricate::prelude::*;

#[derive(Resources)]
pub struct App {
    deployment: Resource<kinds::Deployment>,
    config: serde_json::Value,
}

fn main() {}
