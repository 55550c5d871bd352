from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.utils.translation import gettext_lazy as _

from apps.accounts.models import User


class UserChangeFormEmail(UserChangeForm):
    class Meta(UserChangeForm.Meta):
        model = User
        fields = "__all__"


class UserCreationFormEmail(AdminUserCreationForm):
    class Meta(AdminUserCreationForm.Meta):
        model = User
        fields = ("email",)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = UserChangeFormEmail
    add_form = UserCreationFormEmail
    ordering = ["email"]
    list_display = ["email", "first_name", "last_name", "is_staff", "is_active", "signs_in_with_cognito", "last_login"]
    list_filter = ["is_staff", "is_superuser", "is_active", "groups"]
    search_fields = ["email", "first_name", "last_name", "cognito_sub"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (_("Personal info"), {"fields": ["first_name", "last_name"]}),
        # Set at the first Cognito sign-in; clearing it lets the next sign-in link the account again.
        (_("Cognito"), {"fields": ["cognito_sub"]}),
        (_("Permissions"), {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]}),
        (_("Important dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["email", "password1", "password2", "usable_password"]}),
    ]

    @admin.display(boolean=True, description=_("Cognito"), ordering="cognito_sub")
    def signs_in_with_cognito(self, obj) -> bool:
        return bool(obj.cognito_sub)
