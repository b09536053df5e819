"""Number and date formats that replace Django's for a language (settings.FORMAT_MODULE_PATH).

Django looks for ``bastion.formats.<locale>.formats`` where ``<locale>`` is
``django.utils.translation.to_locale`` of the language code (``zh-hans`` -> ``zh_Hans``), and
falls back to its own module for anything a module here does not set. Dates and times are
written the same way in every language (``dates.py``).
"""
