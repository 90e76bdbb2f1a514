"""UI strings of sign-in, roles and the audit log, merged into `civicdesk.i18n.STRINGS`."""
from __future__ import annotations

ACCESS_STRINGS: dict[str, tuple[str, str]] = {
    "sign_in": ("登录", "Sign in"),
    "sign_out": ("退出登录", "Sign out"),
    "user_name": ("用户名", "User name"),
    "password": ("密码", "Password"),
    "signed_in_as": ("当前用户：{name}（{role}）", "Signed in as {name} ({role})"),
    "role_viewer": ("查看", "viewer"),
    "role_leader": ("领导", "leader"),
    "role_analyst": ("分析员", "analyst"),
    "role_admin": ("管理员", "admin"),
    "not_allowed": ("您的账户角色无权进行此操作：", "Your role does not allow this: "),
    "needs_role": ("需要“{role}”及以上角色。", "Needs the {role} role or higher."),
    "audit_log": ("操作记录（管理员可见）", "Audit log (admins)"),
    "audit_tab": ("操作记录", "Audit log"),
}
