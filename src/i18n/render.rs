//! `Text` as tachys renders a `&'static str`, translated first.

use super::Text;
use leptos::tachys::html::attribute::{any_attribute::AnyAttribute, Attribute, AttributeValue};
use leptos::tachys::hydration::Cursor;
use leptos::tachys::renderer::types::Element;
use leptos::tachys::view::{add_attr::AddAnyAttr, Position, PositionState, Render, RenderHtml};

type Str = &'static str;

impl Render for Text {
    type State = <Str as Render>::State;

    fn build(self) -> Self::State {
        Render::build(self.get())
    }

    fn rebuild(self, state: &mut Self::State) {
        Render::rebuild(self.get(), state)
    }
}

impl AddAnyAttr for Text {
    type Output<A: Attribute> = Text;

    fn add_any_attr<A: Attribute>(self, _attr: A) -> Text {
        self
    }
}

impl RenderHtml for Text {
    type AsyncOutput = Text;
    type Owned = Text;
    const MIN_LENGTH: usize = 0;

    fn dry_resolve(&mut self) {}

    async fn resolve(self) -> Text {
        self
    }

    fn to_html_with_buf(
        self,
        buf: &mut String,
        position: &mut Position,
        escape: bool,
        mark_branches: bool,
        extra_attrs: Vec<AnyAttribute>,
    ) {
        RenderHtml::to_html_with_buf(
            self.get(),
            buf,
            position,
            escape,
            mark_branches,
            extra_attrs,
        )
    }

    fn hydrate<const FROM_SERVER: bool>(
        self,
        cursor: &Cursor,
        position: &PositionState,
    ) -> Self::State {
        RenderHtml::hydrate::<FROM_SERVER>(self.get(), cursor, position)
    }

    fn into_owned(self) -> Text {
        self
    }
}

impl AttributeValue for Text {
    type State = <Str as AttributeValue>::State;
    type AsyncOutput = Text;
    type Cloneable = Text;
    type CloneableOwned = Text;

    fn html_len(&self) -> usize {
        self.0.len()
    }

    fn to_html(self, key: &str, buf: &mut String) {
        AttributeValue::to_html(self.get(), key, buf)
    }

    fn to_template(_key: &str, _buf: &mut String) {}

    fn hydrate<const FROM_SERVER: bool>(self, key: &str, el: &Element) -> Self::State {
        AttributeValue::hydrate::<FROM_SERVER>(self.get(), key, el)
    }

    fn build(self, el: &Element, key: &str) -> Self::State {
        AttributeValue::build(self.get(), el, key)
    }

    fn rebuild(self, key: &str, state: &mut Self::State) {
        AttributeValue::rebuild(self.get(), key, state)
    }

    fn into_cloneable(self) -> Text {
        self
    }

    fn into_cloneable_owned(self) -> Text {
        self
    }

    fn dry_resolve(&mut self) {}

    async fn resolve(self) -> Text {
        self
    }
}
