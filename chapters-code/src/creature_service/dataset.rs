//! The creatures the service serves: invented by a seeded generator here,
//! committed at `chapters-code/data/creatures.json`, and checked by a test to
//! be exactly what [`generate`] produces.

use std::sync::LazyLock;

use rand::rngs::Xoshiro256PlusPlus;
use rand::{RngExt, SeedableRng};
use serde::{Deserialize, Serialize};

/// One creature, as the service sends it and the client receives it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Creature {
    /// Position in the dataset, from 1.
    pub id: u32,
    /// Lowercase invented name, unique in the dataset; `GET /creatures/{name}`
    /// looks it up.
    pub name: String,
    /// One or two of [`TYPES`].
    pub types: Vec<String>,
    /// Height in centimetres.
    pub height_cm: u32,
    /// Weight in kilograms, to one decimal.
    pub weight_kg: f64,
}

/// The dataset file as committed: a note saying how it was made, then the
/// creatures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DatasetFile {
    /// Says the file is generated, by what, and how to regenerate it.
    pub generated: String,
    /// The creatures, ordered by id.
    pub creatures: Vec<Creature>,
}

/// Where the dataset is committed, relative to the `chapters-code` package.
pub const DATASET_PATH: &str = "data/creatures.json";

/// The command that rewrites [`DATASET_PATH`] from [`generate`].
pub const REGENERATE_COMMAND: &str =
    "cargo run -p chapters-code --bin creature-service -- --write-dataset";

/// The seed of the committed dataset.
pub const DATASET_SEED: u64 = 0x5EED_C0DE;

/// How many creatures the committed dataset holds.
pub const DATASET_SIZE: usize = 150;

/// The fixed list creature types are drawn from.
pub const TYPES: [&str; 12] = [
    "ember", "tide", "moss", "stone", "gale", "frost", "spark", "shade",
    "bloom", "iron", "dusk", "venom",
];

const FIRST_SYLLABLES: [&str; 20] = [
    "ka", "mo", "zu", "ri", "ta", "ne", "lo", "vi", "sha", "gro", "pi", "fen",
    "bra", "dru", "qui", "ul", "em", "tor", "sel", "wy",
];
const MIDDLE_SYLLABLES: [&str; 10] =
    ["ra", "bo", "li", "mu", "ze", "ko", "na", "pe", "si", "du"];
const LAST_SYLLABLES: [&str; 12] = [
    "rix", "mon", "dle", "pup", "zor", "ling", "fang", "bat", "ree", "tok",
    "nix", "wisp",
];

/// Invents `count` creatures from `seed`: the same seed always gives the
/// same creatures (the generator is rand's `Xoshiro256PlusPlus`, whose
/// output rand documents as portable across platforms).
///
/// ```
/// use chapters_code::creature_service::dataset::generate;
///
/// let creatures = generate(7, 3);
/// assert_eq!(creatures, generate(7, 3));
/// assert_eq!(creatures.len(), 3);
/// assert_eq!(creatures[0].id, 1);
/// ```
pub fn generate(seed: u64, count: usize) -> Vec<Creature> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let mut creatures: Vec<Creature> = Vec::with_capacity(count);
    while creatures.len() < count {
        let name = invent_name(&mut rng);
        if creatures.iter().any(|c| c.name == name) {
            continue;
        }
        let id = u32::try_from(creatures.len() + 1).unwrap_or(u32::MAX);
        let types = pick_types(&mut rng);
        let (height_cm, weight_kg) = pick_size(&mut rng);
        creatures.push(Creature {
            id,
            name,
            types,
            height_cm,
            weight_kg,
        });
    }
    creatures
}

fn invent_name(rng: &mut Xoshiro256PlusPlus) -> String {
    let mut name = String::from(pick(rng, &FIRST_SYLLABLES));
    if rng.random_bool(0.5) {
        name.push_str(pick(rng, &MIDDLE_SYLLABLES));
    }
    name.push_str(pick(rng, &LAST_SYLLABLES));
    name
}

fn pick_types(rng: &mut Xoshiro256PlusPlus) -> Vec<String> {
    let first = pick(rng, &TYPES);
    let mut types = vec![first.to_owned()];
    if rng.random_bool(0.4) {
        let second = pick(rng, &TYPES);
        if second != first {
            types.push(second.to_owned());
        }
    }
    types
}

/// A size class, then a density: weight grows with the cube of height, so a
/// creature twice as tall is roughly eight times as heavy.
fn pick_size(rng: &mut Xoshiro256PlusPlus) -> (u32, f64) {
    let height_cm: u32 = match rng.random_range(0..10) {
        0..=2 => rng.random_range(10..40),
        3..=6 => rng.random_range(40..120),
        7..=8 => rng.random_range(120..300),
        _ => rng.random_range(300..900),
    };
    let metres = f64::from(height_cm) / 100.0;
    let kg_per_cubic_metre: f64 = rng.random_range(15.0..60.0);
    let tenths = (metres.powi(3) * kg_per_cubic_metre * 10.0).round();
    (height_cm, tenths.max(1.0) / 10.0)
}

fn pick<'a>(rng: &mut Xoshiro256PlusPlus, choices: &[&'a str]) -> &'a str {
    choices[rng.random_range(0..choices.len())]
}

/// The committed dataset as a file: what [`DATASET_PATH`] must hold, byte
/// for byte (pretty JSON and a final newline).
pub fn render_dataset_file() -> String {
    let file = DatasetFile {
        generated: format!(
            "generated by chapters-code's creature_service::dataset::generate \
             (seed {DATASET_SEED:#x}, {DATASET_SIZE} creatures), invented \
             names and figures; regenerate with: {REGENERATE_COMMAND}"
        ),
        creatures: generate(DATASET_SEED, DATASET_SIZE),
    };
    let mut text = serde_json::to_string_pretty(&file)
        .expect("plain strings and finite numbers always serialize");
    text.push('\n');
    text
}

static SHIPPED: LazyLock<Vec<Creature>> = LazyLock::new(|| {
    let text = include_str!("../../data/creatures.json");
    match serde_json::from_str::<DatasetFile>(text) {
        Ok(file) => file.creatures,
        Err(error) => panic!(
            "{DATASET_PATH} does not parse ({error}); regenerate it with: \
             {REGENERATE_COMMAND}"
        ),
    }
});

/// The committed dataset, parsed once: what the service serves.
pub fn shipped() -> &'static [Creature] {
    &SHIPPED
}
