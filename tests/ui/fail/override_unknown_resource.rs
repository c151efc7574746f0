use kubricate::prelude::*;
use serde_json::json;

stack! {
    pub fn web() -> Stack {
        Stack::from_template(SimpleApp, SimpleAppInput { name: "web", image_name: "nginx", ..Default::default() })
            .override(json!({ "servce": { "spec": { "type": "LoadBalancer" } } }))
    }
}

fn main() {}
