"""Sign-in for the app when it is served beyond localhost (`civicdesk.accounts` does the checking).

On localhost (the default `make run`) the single-user demo needs no sign-in and acts as the machine's own
user. Bound to any other address, or with CIVICDESK_REQUIRE_SIGNIN=1, every page asks for an account first.
"""
from __future__ import annotations

import os

import streamlit as st

from civicdesk.access import User, local_user
from civicdesk.accounts import SignInError, session_user, sign_in, sign_out
from civicdesk.i18n import t

LOCAL_ADDRESSES = {"127.0.0.1", "localhost", "::1"}


def needs_sign_in() -> bool:
    """Whether this server must ask for accounts (it listens beyond localhost, or it is forced to)."""
    if os.environ.get("CIVICDESK_REQUIRE_SIGNIN") == "1":
        return True
    address = (st.get_option("server.address") or "").strip()
    return address not in LOCAL_ADDRESSES


def _form(engine, lang: str) -> None:
    st.title(t("app_title", lang))
    with st.form("sign_in"):
        st.subheader(t("sign_in", lang))
        name = st.text_input(t("user_name", lang), key="si_name")
        password = st.text_input(t("password", lang), type="password", key="si_password")
        if st.form_submit_button(t("sign_in", lang), type="primary"):
            try:
                _, token = sign_in(engine, name, password)
            except SignInError as exc:
                st.error(str(exc))
                return
            st.session_state["session_token"] = token
            st.rerun()


def gate(engine, lang: str) -> User:
    """The user of this session; shows the sign-in form and stops the page when nobody is signed in."""
    if not needs_sign_in():
        return local_user()
    user = session_user(engine, st.session_state.get("session_token"))
    if user is None:
        st.session_state.pop("session_token", None)
        _form(engine, lang)
        st.stop()
    st.sidebar.caption(t("signed_in_as", lang).format(name=user.name, role=t(f"role_{user.role}", lang)))
    if st.sidebar.button(t("sign_out", lang), key="sign_out"):
        sign_out(engine, st.session_state.pop("session_token"))
        st.rerun()
    return user
