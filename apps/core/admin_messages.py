"""Django admin messages our Spanish words better than Django's own catalog.

Django's Spanish for "The {name} “{obj}” was added successfully." is "El {name} “{obj}” fue
agregado correctamente.": the article and the ending are masculine whatever the model's gender, so an
operator read "El consulta telefónica … fue agregado". The project's catalog (LOCALE_PATHS) comes
before Django's, so listing the msgids here (makemessages extracts them) and translating them
without an article fixes every model at once.
"""

from django.utils.translation import gettext_noop

ADMIN_MESSAGES = (
    gettext_noop("The {name} “{obj}” was added successfully."),
    gettext_noop("The {name} “{obj}” was added successfully. You may add another {name} below."),
    gettext_noop("The {name} “{obj}” was changed successfully."),
    gettext_noop("The {name} “{obj}” was changed successfully. You may edit it again below."),
    gettext_noop("The {name} “{obj}” was changed successfully. You may add another {name} below."),
    gettext_noop("The %(name)s “%(obj)s” was deleted successfully."),
)
