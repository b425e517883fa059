//! The one place that chooses the stored state's encoding: BARE through
//! `barewire`, compact and without field names or type tags. Swapping the
//! format means changing these four functions (and migrating stored data).

use alloy_actors::runtime::DynActor;
use serde::Serialize;
use serde::de::DeserializeOwned;

/// Encodes an erased actor's state into `out` (appending); false when the
/// actor holds none.
pub(crate) fn encode_actor_into(actor: &dyn DynActor, out: &mut Vec<u8>) -> Result<bool, String> {
    let mut serializer = barewire::Serializer::new(out);
    actor
        .save_state(&mut <dyn erased_serde::Serializer>::erase(&mut serializer))
        .map_err(|error| error.to_string())
}

/// Replaces an erased actor's state with the one in `bytes`, which it must
/// fill exactly.
pub(crate) fn decode_actor(actor: &mut dyn DynActor, bytes: &[u8]) -> Result<(), String> {
    let mut input = barewire::Deserializer::new(bytes);
    actor
        .load_state(&mut <dyn erased_serde::Deserializer<'_>>::erase(&mut input))
        .map_err(|error| error.to_string())?;
    input.end().map_err(|error| error.to_string())
}

/// Encodes a typed state.
pub(crate) fn encode<S: Serialize>(state: &S) -> Result<Vec<u8>, String> {
    barewire::to_vec(state).map_err(|error| error.to_string())
}

/// Decodes a typed state that fills `bytes` exactly.
pub(crate) fn decode<S: DeserializeOwned>(bytes: &[u8]) -> Result<S, String> {
    barewire::from_slice(bytes).map_err(|error| error.to_string())
}
