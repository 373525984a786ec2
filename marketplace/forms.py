"""Form helpers shared by the apps' pages."""
from django.core.exceptions import ValidationError


def form_add_service_errors(form, error: ValidationError) -> None:
    """Puts a service's ValidationError on the form's fields (or on the form when it names none)."""
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)
