// `.override(..)` deep-merges into the template's resources, as the template-overrides how-to shows.
use kubricate::prelude::*;
use serde_json::json;

stack! {
    pub fn web() -> Stack {
        Stack::from_template(SimpleApp, SimpleAppInput { name: "web-app", image_name: "nginx", namespace: Some("frontend"), ..Default::default() })
            .override(json!({
                "service": { "spec": { "type": "LoadBalancer" } },
                "deployment": { "spec": { "replicas": 5 } }
            }))
    }
}

fn main() {
    let built = web().build().unwrap();
    assert_eq!(built["service"].body()["spec"]["type"], "LoadBalancer");
    assert_eq!(built["service"].body()["spec"]["ports"][0]["port"], 80);
    assert_eq!(built["deployment"].body()["spec"]["replicas"], 5);
}
