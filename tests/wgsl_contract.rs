//! The Rust↔WGSL contract (src/gpu/contract.rs) as the GPU compiler sees it: every kernel is
//! parsed and validated with naga, wgpu's own WGSL front end, exactly as `Kernels` compiles it;
//! each shared struct's field names, offsets and size in WGSL equal the Rust `#[repr(C)]` layout;
//! each shared constant in the compiled module equals the Rust value it stands for; and no kernel
//! file declares a contract name itself (where a copy would drift). A mutated prelude is caught,
//! which shows the check can fail.
#![cfg(not(target_arch = "wasm32"))]

use naga::{Expression, Literal, Module, TypeInner};
use ptheta::diffusion::rng::Stream;
use ptheta::diffusion::{Parameterization, Variance};
use ptheta::gpu::contract::{self, HistogramParams, InspectParams, LayerParams, RecordField, StepParams, ViewParams};
use ptheta::gpu::kernels;

type Fields = &'static [(&'static str, &'static str, usize)];

/// (WGSL name, fields, Rust size) of every shared struct.
fn structs() -> Vec<(&'static str, Fields, usize)> {
    vec![
        (StepParams::WGSL_NAME, StepParams::FIELDS, size_of::<StepParams>()),
        (LayerParams::WGSL_NAME, LayerParams::FIELDS, size_of::<LayerParams>()),
        (
            HistogramParams::WGSL_NAME,
            HistogramParams::FIELDS,
            size_of::<HistogramParams>(),
        ),
        (
            InspectParams::WGSL_NAME,
            InspectParams::FIELDS,
            size_of::<InspectParams>(),
        ),
        (ViewParams::WGSL_NAME, ViewParams::FIELDS, size_of::<ViewParams>()),
    ]
}

/// Every constant the kernels share with Rust, with the value Rust uses.
fn constants() -> Vec<(String, u32)> {
    let mut c = vec![
        ("WORKGROUP".to_string(), contract::WORKGROUP),
        ("LINEAR_COLS".to_string(), contract::LINEAR_COLS),
        ("RECORD_FIELDS".to_string(), RecordField::COUNT as u32),
        ("STREAM_PRIOR".to_string(), Stream::Prior as u32),
        ("STREAM_CHAIN".to_string(), Stream::Chain as u32),
    ];
    for p in Parameterization::ALL {
        c.push((
            format!("P_{}", p.name().to_uppercase().replace('-', "_")),
            contract::parameterization_code(p),
        ));
    }
    for v in Variance::ALL {
        c.push((
            format!("V_{}", v.name().to_uppercase().replace('-', "_")),
            contract::variance_code(v),
        ));
    }
    let record = [
        "X_T",
        "EPS",
        "X0",
        "MEAN",
        "LOG_VARIANCE",
        "SIGMA",
        "Z",
        "X_PREV",
        "RAW",
        "RAW_VARIANCE",
    ];
    for (f, name) in RecordField::ALL.iter().zip(record) {
        c.push((format!("R_{name}"), f.index() as u32));
    }
    for (name, value) in ptheta::diffusion::rng::PHILOX_CONSTANTS {
        c.push((format!("PHILOX_{name}"), value));
    }
    c
}

fn parse(label: &str, source: &str) -> Module {
    let module =
        naga::front::wgsl::parse_str(source).unwrap_or_else(|e| panic!("{label}: {}", e.emit_to_string(source)));
    naga::valid::Validator::new(naga::valid::ValidationFlags::all(), naga::valid::Capabilities::all())
        .validate(&module)
        .unwrap_or_else(|e| panic!("{label} does not validate: {e:?}"));
    module
}

/// Every disagreement between a compiled module and the Rust side of the contract.
fn mismatches(module: &Module) -> Vec<String> {
    let mut out = Vec::new();
    for (name, fields, size) in structs() {
        let Some(ty) = module.types.iter().find(|(_, t)| t.name.as_deref() == Some(name)) else {
            out.push(format!("struct {name} is missing"));
            continue;
        };
        let TypeInner::Struct { members, span } = &ty.1.inner else {
            out.push(format!("{name} is not a struct"));
            continue;
        };
        if *span as usize != size {
            out.push(format!("struct {name}: {span} bytes in WGSL, {size} in Rust"));
        }
        let wgsl: Vec<(String, usize)> = members
            .iter()
            .map(|m| (m.name.clone().unwrap_or_default(), m.offset as usize))
            .collect();
        let rust: Vec<(String, usize)> = fields.iter().map(|(n, _, o)| (n.to_string(), *o)).collect();
        if wgsl != rust {
            out.push(format!("struct {name}: WGSL fields {wgsl:?}, Rust fields {rust:?}"));
        }
    }
    for (name, want) in constants() {
        let Some((_, c)) = module
            .constants
            .iter()
            .find(|(_, c)| c.name.as_deref() == Some(name.as_str()))
        else {
            out.push(format!("const {name} is missing"));
            continue;
        };
        match module.global_expressions[c.init] {
            Expression::Literal(Literal::U32(v)) if v == want => {}
            ref e => out.push(format!("const {name} is {e:?} in WGSL, {want} in Rust")),
        }
    }
    out
}

#[test]
fn every_kernel_compiles_with_the_generated_contract() {
    let s = kernels::sources();
    for (label, source) in [
        ("embed", &s.embed),
        ("linear", &s.linear),
        ("step", &s.step),
        ("histogram", &s.histogram),
        ("points", &kernels::points_source()),
    ] {
        parse(label, source);
    }
    for (shape, source) in contract::TILE_SHAPES.iter().zip(&s.linear_tiled) {
        parse(shape.name, source);
    }
    for hidden in [128, 256] {
        for block in contract::FUSED_BLOCKS {
            let shape = contract::FusedShape {
                hidden,
                layers: 5,
                samples: block.samples,
            };
            parse(block.name, &kernels::fused_source(shape));
        }
    }
}

#[test]
fn the_compiled_contract_matches_the_rust_layout_and_values() {
    let module = parse("contract prelude", &contract::prelude());
    let bad = mismatches(&module);
    assert!(bad.is_empty(), "{bad:#?}");
}

#[test]
fn no_kernel_declares_a_contract_name_itself() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/src/gpu");
    let mut names: Vec<String> = constants().into_iter().map(|(n, _)| format!("const {n}")).collect();
    names.extend(structs().into_iter().map(|(n, _, _)| format!("struct {n} ")));
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "wgsl") {
            let text = std::fs::read_to_string(&path).unwrap();
            for n in &names {
                assert!(
                    !text.contains(n.as_str()),
                    "{} declares `{n}`: it belongs to src/gpu/contract.rs",
                    path.display()
                );
            }
        }
    }
}

#[test]
fn a_constant_or_a_field_changed_on_one_side_is_caught() {
    let prelude = contract::prelude();
    // a record index edited in the WGSL only
    let one_const = prelude.replace("const R_EPS: u32 = 1u;", "const R_EPS: u32 = 2u;");
    assert_ne!(one_const, prelude);
    let bad = mismatches(&parse("mutated prelude", &one_const));
    assert_eq!(bad, ["const R_EPS is Literal(U32(2)) in WGSL, 1 in Rust"]);
    // a field dropped from one struct in the WGSL only
    let one_field = prelude.replace("    add_noise: u32,\n", "");
    let bad = mismatches(&parse("mutated prelude", &one_field));
    assert_eq!(bad.len(), 1, "{bad:?}");
    assert!(bad[0].starts_with("struct StepParams"), "{bad:?}");
}
